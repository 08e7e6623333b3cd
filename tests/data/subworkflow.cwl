cwlVersion: v1.2
class: Workflow
label: a sub-workflow and a scattered sub-workflow
requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
  ResourceRequirement: {coresMin: 2, ramMin: 2048}
inputs:
  message: string
  messages: string[]
outputs:
  single:
    type: File
    outputSource: once/copied
  all:
    type: File
    outputSource: total/out
steps:
  once:
    run: sub/inner.cwl
    in:
      message: message
    out: [copied]
    hints:
      ToolTimeLimit: {timelimit: 600}
  each:
    run: sub/inner.cwl
    in:
      message: messages
    scatter: message
    out: [copied]
  total:
    run: tools/wc.cwl
    in:
      files: each/copied
    out: [out]
