cwlVersion: v1.2
class: CommandLineTool
label: reads a record holding Files made by another step, and the secondary file of one of them
inputs:
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
baseCommand: [bash, -c]
arguments:
  - |
    set -e
    { echo "$(inputs.report.name)"; cat "$(inputs.report.text.path)"; cat "$(inputs.report.data.path).idx"; } > used.txt
outputs:
  out:
    type: File
    outputBinding: {glob: used.txt}
