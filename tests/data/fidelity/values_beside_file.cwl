cwlVersion: v1.2
class: Workflow
doc: A scatter over a string array beside one non-scattered File (a configuration shared by every element).
requirements: {ScatterFeatureRequirement: {}}
inputs:
  names: string[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: tag/out}
steps:
  tag:
    run: tag.cwl
    scatter: name
    in: {name: names, conf: conf}
    out: [out]
