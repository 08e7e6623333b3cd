cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  say:
    run: ../tools/ehco.cwl
    in:
      message: message
    out: [out]
