cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
inputs:
  first:
    type: File
    inputBinding: {position: 1}
  second:
    type: File
    inputBinding: {position: 2}
stdout: both.txt
outputs:
  out: stdout
