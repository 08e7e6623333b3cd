cwlVersion: v1.2
class: Workflow
label: a job-order record holding Files, and a step output record holding Files consumed by the next step
inputs:
  sample:
    type:
      type: record
      name: Sample
      fields:
        reads:
          type: File
          secondaryFiles: [.idx]
        name: string
        refs: File[]
outputs:
  sample_out:
    type:
      type: record
      name: Sample
      fields:
        reads: File
        name: string
        refs: File[]
    outputSource: sample
  report:
    type:
      type: record
      name: Report
      fields:
        text: File
        data:
          type: File
          secondaryFiles: [.idx]
        name: string
    outputSource: describe/report
  used:
    type: File
    outputSource: use/out
steps:
  describe:
    run: describe.cwl
    in: {rec: sample}
    out: [report]
  use:
    run: use_report.cwl
    in: {report: describe/report}
    out: [out]
