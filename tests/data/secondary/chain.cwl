cwlVersion: v1.2
class: Workflow
label: scatter a tool whose output carries a secondary file, consume it per file and gathered
requirements:
  ScatterFeatureRequirement: {}
inputs:
  texts: File[]
outputs:
  indexed:
    type: File[]
    outputSource: index/out
  copies:
    type: File[]
    outputSource: index/copy
  used:
    type: File[]
    outputSource: use/out
  summary:
    type: File
    outputSource: gather/out
steps:
  index:
    run: index.cwl
    in: {f: texts}
    scatter: f
    out: [out, copy]
  use:
    run: use_index.cwl
    in: {f: index/out}
    scatter: f
    out: [out]
  gather:
    run: use_all.cwl
    in: {files: index/out}
    out: [out]
