cwlVersion: v1.2
class: CommandLineTool
baseCommand: sort
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
stdout: sorted.txt
outputs:
  out: stdout
