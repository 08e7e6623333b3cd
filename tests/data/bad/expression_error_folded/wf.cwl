cwlVersion: v1.2
class: Workflow
requirements:
  InlineJavascriptRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  n: int
outputs: []
steps:
  runs:
    run: numbers.cwl
    in: {n: n}
    out: [numbers]
