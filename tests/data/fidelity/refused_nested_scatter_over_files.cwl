cwlVersion: v1.2
class: Workflow
doc: A scatter over values inside a sub-workflow scattered over files (one task per file and value).
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  confs: File[]
  names: string[]
outputs:
  out: {type: {type: array, items: {type: array, items: File}}, outputSource: each/out}
steps:
  each:
    run:
      class: Workflow
      inputs: {conf: File, names: 'string[]'}
      outputs:
        out: {type: 'File[]', outputSource: tag/out}
      steps:
        tag:
          run: tag.cwl
          scatter: name
          in: {name: names, conf: conf}
          out: [out]
    scatter: conf
    in: {conf: confs, names: names}
    out: [out]
