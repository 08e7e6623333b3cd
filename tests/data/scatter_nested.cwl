cwlVersion: v1.2
class: Workflow
label: nested crossproduct
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infiles: File[]
  particles: string[]
  zeniths: string[]
outputs:
  copies:
    type: File[]
    outputSource: copy/out
steps:
  copy:
    run: tools/cat.cwl
    in:
      infile: infiles
    scatter: infile
    out: [out]
  sweep:
    run: tools/paste_strings.cwl
    in:
      first: particles
      second: zeniths
    scatter: [first, second]
    scatterMethod: nested_crossproduct
    out: [out]
