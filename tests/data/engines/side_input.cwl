cwlVersion: v1.2
class: Workflow
label: a scattered step that also takes one file produced by another step (a "model")
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infiles: File[]
  model: File
outputs:
  applied:
    type: File[]
    outputSource: apply/out
  merged:
    type: File
    outputSource: merge/out
steps:
  train:
    run: tools/upper.cwl
    in: {infile: model}
    out: [out]
  apply:
    run: tools/prefix.cwl
    in:
      model: train/out
      infile: infiles
    scatter: infile
    out: [out]
  merge:
    run: tools/cat.cwl
    in: {files: apply/out}
    out: [out]
