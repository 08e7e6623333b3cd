cwlVersion: v1.2
class: Workflow
doc: |
  Simulation runs from a chain of ExpressionTools fed by the job order alone (run numbers, then one file name per
  run, scattered), a simulation scattered over both, and a gather; no dirac-cwl namespace declared.
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
hints:
  - class: dirac:Scheduling
    sites: [CTAO.CI.de]
  - class: dirac:ExecutionHooks
    output_se: [TestSE]
  - class: dirac:Production
    input_dataset_plugin: NoOpInputDatasetPlugin
inputs:
  n_runs: int
  particle: {type: string, default: gamma}
outputs:
  simulated: {type: "File[]", outputSource: simulate/out}
  summary: {type: File, outputSource: gather/out}
steps:
  runs:
    run:
      class: ExpressionTool
      inputs: {n: int}
      outputs: {numbers: "int[]"}
      expression: "${ var r = []; for (var i = 1; i <= inputs.n; i++) r.push(i); return {numbers: r}; }"
    in: {n: n_runs}
    out: [numbers]
  names:
    run:
      class: ExpressionTool
      inputs: {run: int, particle: string}
      outputs: {name: string}
      expression: "$({name: inputs.particle + '_run' + inputs.run + '.simtel.zst'})"
    scatter: run
    in:
      run: runs/numbers
      particle: {source: particle, valueFrom: "$(self.toUpperCase())"}
    out: [name]
  simulate:
    run:
      class: CommandLineTool
      inputs:
        run: {type: int, inputBinding: {position: 1}}
        name: string
      baseCommand: echo
      arguments: [simulated run]
      stdout: $(inputs.name)
      outputs: {out: stdout}
    scatter: [run, name]
    scatterMethod: dotproduct
    in: {run: runs/numbers, name: names/name}
    out: [out]
  gather:
    run:
      class: CommandLineTool
      inputs: {files: {type: "File[]", inputBinding: {position: 1}}}
      baseCommand: cat
      stdout: summary.txt
      outputs: {out: stdout}
    in: {files: simulate/out}
    out: [out]
