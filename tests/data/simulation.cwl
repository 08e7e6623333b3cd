cwlVersion: v1.2
class: Workflow
label: simulate, process each run, merge
requirements:
  InlineJavascriptRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  n_runs: int
outputs:
  merged:
    type: File
    outputSource: merge/out
steps:
  runs:
    run: tools/run_numbers.cwl
    in:
      n_runs: n_runs
    out: [run_numbers]
  simulate:
    run: tools/sim.cwl
    in:
      run_number: runs/run_numbers
    scatter: run_number
    out: [out]
  process:
    run: tools/process.cwl
    in:
      infile: simulate/out
    scatter: infile
    out: [out]
  merge:
    run: tools/wc.cwl
    in:
      files: process/out
    out: [out]
