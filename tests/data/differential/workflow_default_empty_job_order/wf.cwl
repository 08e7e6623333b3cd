cwlVersion: v1.2
class: Workflow
inputs:
  n: {type: int, default: 3}
outputs:
  out: {type: File, outputSource: show/out}
steps:
  show:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        n: {type: int, default: 7, inputBinding: {position: 1}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {n: n}
    out: [out]
