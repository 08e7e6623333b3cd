cwlVersion: v1.2
class: Workflow
label: a sub-workflow, a scattered sub-workflow, and a gather of the scattered one
requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  message: string
  messages: string[]
outputs:
  single:
    type: File
    outputSource: once/shouted
  each_shouted:
    type: File[]
    outputSource: each/shouted
  each_said:
    type: File[]
    outputSource: each/said
  all:
    type: File
    outputSource: total/out
steps:
  once:
    run: sub/sort_upper.cwl
    in: {message: message}
    out: [shouted]
  each:
    run: sub/sort_upper.cwl
    in: {message: messages}
    scatter: message
    out: [shouted, said]
  total:
    run: tools/cat.cwl
    in: {files: each/shouted}
    out: [out]
