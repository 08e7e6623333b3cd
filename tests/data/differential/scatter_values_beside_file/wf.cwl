cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  runs: string[]
  config: File
outputs:
  out:
    type: {type: array, items: File}
    outputSource: process/out
steps:
  process:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "run $0"; cat "$1"']
      inputs:
        run: {type: string, inputBinding: {position: 1}}
        config: {type: File, inputBinding: {position: 2}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {run: runs, config: config}
    scatter: run
    out: [out]
