cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: echo
inputs: []
outputs:
  n:
    type: int
    outputBinding:
      outputEval: $("not a number")
