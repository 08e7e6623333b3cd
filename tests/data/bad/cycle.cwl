cwlVersion: v1.2
class: Workflow
inputs:
  infile: File
outputs: []
steps:
  a:
    run: ../tools/cat.cwl
    in:
      infile: b/out
    out: [out]
  b:
    run: ../tools/cat.cwl
    in:
      infile: a/out
    out: [out]
