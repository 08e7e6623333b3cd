cwlVersion: v1.2
class: Workflow
doc: >
  The inner step scatters over the outer scatter's element (an array of arrays, one group per element): the
  groups have different lengths, so does each inner array of the output.
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  groups: {type: {type: array, items: {type: array, items: string}}}
  suffix: string
outputs:
  out: {type: {type: array, items: {type: array, items: string}}, outputSource: each/out}
steps:
  each:
    run:
      class: Workflow
      inputs: {group: 'string[]', suffix: string}
      outputs:
        out: {type: 'string[]', outputSource: pair/text}
      steps:
        pair:
          run: pair.cwl
          scatter: a
          in: {a: group, b: suffix}
          out: [text]
    scatter: group
    in: {group: groups, suffix: suffix}
    out: [out]
