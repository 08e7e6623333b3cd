cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
requirements:
  InlineJavascriptRequirement: {}
arguments: ["$(inputs.message.)"]
inputs:
  message: string
outputs: []
