cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
requirements:
  InlineJavascriptRequirement: {}
arguments: [$(nothere.x)]
inputs:
  message: string
outputs: []
