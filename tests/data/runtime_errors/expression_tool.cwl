cwlVersion: v1.2
class: ExpressionTool
requirements: {InlineJavascriptRequirement: {}}
inputs:
  f: File
outputs:
  o: int
expression: |
  ${
    return {"o": inputs.f.nothere.x};
  }
