cwlVersion: v1.2
class: Workflow
label: simulation-like; n -> [1..n], one simulated file per run, process each, gather
requirements:
  InlineJavascriptRequirement: {}
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
inputs:
  n_runs: int
  particle: string
outputs:
  simulated:
    type: File[]
    outputSource: simulate/out
  processed:
    type: File[]
    outputSource: process/out
  merged:
    type: File
    outputSource: merge/out
steps:
  runs:
    run: tools/range.cwl
    in: {n: n_runs}
    out: [numbers]
  simulate:
    run: tools/sim.cwl
    in:
      run_number: runs/numbers
      particle:
        source: particle
        valueFrom: $(self + "-" + inputs.run_number)
    scatter: run_number
    out: [out]
  process:
    run: tools/upper.cwl
    in: {infile: simulate/out}
    scatter: infile
    out: [out]
  merge:
    run: tools/cat.cwl
    in: {files: process/out}
    out: [out]
