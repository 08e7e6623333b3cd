cwlVersion: v1.2
class: ExpressionTool
requirements:
  InlineJavascriptRequirement: {}
inputs:
  n: int
outputs:
  numbers: int[]
expression: |
  ${ return {"numbers": nothere.x}; }
