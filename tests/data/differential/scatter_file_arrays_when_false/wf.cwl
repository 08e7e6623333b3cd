cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  groups:
    type: {type: array, items: {type: array, items: File}}
  skip: boolean
outputs:
  out:
    type: {type: array, items: ['null', File]}
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
    in: {files: groups, skip: skip}
    scatter: files
    when: $(!inputs.skip)
    out: [out]
