cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
baseCommand: cat
inputs:
  message: string
outputs: []
