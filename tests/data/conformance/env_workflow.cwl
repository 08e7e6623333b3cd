cwlVersion: v1.2
class: Workflow
doc: cwl:requirements in the job order of a workflow are refused (exit 33).
inputs:
  in: string
outputs:
  out: {type: File, outputSource: show/out}
steps:
  show:
    run: env_tool.cwl
    in: {in: in}
    out: [out]
