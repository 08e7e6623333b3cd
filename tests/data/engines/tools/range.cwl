cwlVersion: v1.2
class: ExpressionTool
label: run numbers 1..n
requirements:
  InlineJavascriptRequirement: {}
inputs:
  n: int
outputs:
  numbers: int[]
expression: |
  ${ var a = []; for (var i = 1; i <= inputs.n; i++) { a.push(i); } return {"numbers": a}; }
