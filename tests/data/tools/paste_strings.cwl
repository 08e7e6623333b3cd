cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  first:
    type: string
    inputBinding: {position: 1}
  second:
    type: string
    inputBinding: {position: 2}
stdout: pair.txt
outputs:
  out: stdout
