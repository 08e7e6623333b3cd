cwlVersion: v1.2
class: Workflow
inputs: []
outputs: []
steps:
  a:
    run: cat.cwl
    in: {infile: a/out}
    out: [out]
