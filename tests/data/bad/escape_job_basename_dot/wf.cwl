cwlVersion: v1.2
class: Workflow
inputs:
  infile: File
outputs:
  out:
    type: File
    outputSource: copy/out
steps:
  copy:
    run: cat.cwl
    in: {infile: infile}
    out: [out]
