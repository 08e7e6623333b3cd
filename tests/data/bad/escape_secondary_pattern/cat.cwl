cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
stdout: copy.txt
outputs:
  out: stdout
