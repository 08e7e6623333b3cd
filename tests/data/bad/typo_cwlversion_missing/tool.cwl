class: CommandLineTool
baseCommand: echo
inputs:
  message: string
outputs: []
