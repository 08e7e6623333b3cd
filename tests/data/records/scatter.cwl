cwlVersion: v1.2
class: Workflow
label: scatter over an array of records holding Files (refused)
requirements:
  ScatterFeatureRequirement: {}
inputs:
  samples:
    type:
      type: array
      items:
        type: record
        name: Sample
        fields:
          reads:
            type: File
            secondaryFiles: [.idx]
          name: string
          refs: File[]
outputs:
  reports:
    type:
      type: array
      items:
        type: record
        name: Report
        fields:
          text: File
          data: File
          name: string
    outputSource: describe/report
steps:
  describe:
    run: describe.cwl
    in: {rec: samples}
    scatter: rec
    out: [report]
