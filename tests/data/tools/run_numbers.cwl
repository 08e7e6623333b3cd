cwlVersion: v1.2
class: ExpressionTool
label: run numbers 1..n_runs
requirements:
  InlineJavascriptRequirement: {}
inputs:
  n_runs: int
outputs:
  run_numbers: int[]
expression: |
  ${ return {"run_numbers": Array.from({length: inputs.n_runs}, function(_, i) { return i + 1; })}; }
