cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  groups:
    type: {type: array, items: {type: array, items: File}}
outputs:
  out:
    type: {type: array, items: File}
    outputSource: cat/out
steps:
  cat:
    run:
      class: CommandLineTool
      baseCommand: cat
      inputs:
        files: {type: 'File[]', inputBinding: {position: 1}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {files: groups}
    scatter: files
    out: [out]
