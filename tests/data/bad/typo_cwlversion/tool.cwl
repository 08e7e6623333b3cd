cwlVersion: v1.3
class: CommandLineTool
baseCommand: echo
inputs:
  message: string
outputs: []
