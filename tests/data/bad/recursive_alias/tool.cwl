cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  a: &x
    type: string
    doc: [*x]
outputs: []
