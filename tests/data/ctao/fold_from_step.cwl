cwlVersion: v1.2
class: Workflow
doc: A scatter over values an ExpressionTool computes from another step's outputs (known only when that runs).
requirements: {ScatterFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  message: string
outputs: []
steps:
  say:
    run: ../tools/echo.cwl
    in: {message: message}
    out: [out]
  sizes:
    run:
      class: ExpressionTool
      inputs: {f: File}
      outputs: {n: "int[]"}
      expression: "$({n: [inputs.f.size, 1]})"
    in: {f: say/out}
    out: [n]
  use:
    run:
      class: ExpressionTool
      inputs: {v: int}
      outputs: {w: int}
      expression: "$({w: inputs.v})"
    scatter: v
    in: {v: sizes/n}
    out: [w]
