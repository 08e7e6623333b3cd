cwlVersion: v1.2
class: Workflow
doc: A scatter over values beside a File made by an earlier step (every element takes the same file).
requirements: {ScatterFeatureRequirement: {}}
inputs:
  names: string[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: tag/out}
steps:
  prepare:
    run: tag.cwl
    in: {name: {default: prepared}, conf: conf}
    out: [out]
  tag:
    run: tag.cwl
    scatter: name
    in: {name: names, conf: prepare/out}
    out: [out]
