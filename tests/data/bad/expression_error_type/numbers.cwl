cwlVersion: v1.2
class: ExpressionTool
requirements:
  InlineJavascriptRequirement: {}
inputs:
  n: int
outputs:
  numbers: int[]
expression: '${ return {"numbers": inputs.n.x.y}; }'
