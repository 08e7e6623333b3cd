cwlVersion: v1.2
class: Workflow
doc: A scattered sub-workflow whose steps all take one shared File.
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  names: string[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: sub/out}
steps:
  sub:
    run:
      class: Workflow
      inputs: {name: string, conf: File}
      outputs:
        out: {type: File, outputSource: again/out}
      steps:
        first:
          run: tag.cwl
          in: {name: name, conf: conf}
          out: [out]
        again:
          run: tag.cwl
          in: {name: name, conf: first/out}
          out: [out]
    scatter: name
    in: {name: names, conf: conf}
    out: [out]
