cwlVersion: v1.2
class: CommandLineTool
baseCommand: paste
inputs:
  first:
    type: File
    inputBinding: {position: 1}
  second:
    type: File
    inputBinding: {position: 2}
stdout: pasted.txt
outputs:
  out: stdout
