cwlVersion: v1.2
class: Workflow
label: a scattered sub-workflow whose inner step also takes one file made by an outer step
requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  messages: string[]
  model: File
outputs:
  applied:
    type: File[]
    outputSource: each/applied
  merged:
    type: File
    outputSource: merge/out
steps:
  train:
    run: tools/upper.cwl
    in: {infile: model}
    out: [out]
  each:
    run: sub/apply.cwl
    in:
      message: messages
      model: train/out
    scatter: message
    out: [applied]
  merge:
    run: tools/cat.cwl
    in: {files: each/applied}
    out: [out]
