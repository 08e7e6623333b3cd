cwlVersion: v1.2
class: Workflow
doc: >
  A scatter over two File[] sources merged nested (conformance 28): each element is a whole array; one task per
  source, taking its files whole by query (it failed task by task, then was refused with exit 33).
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  a: File[]
  b: File[]
outputs:
  out:
    type: File[]
    outputSource: cat/out
steps:
  cat:
    run:
      class: CommandLineTool
      inputs:
        fs: File[]
      outputs: {out: stdout}
      stdout: cat.txt
      baseCommand: cat
      arguments:
        - valueFrom: '$(inputs.fs.map(function(f) { return f.path; }))'
      requirements: {InlineJavascriptRequirement: {}}
    scatter: fs
    in:
      fs: {source: [a, b], linkMerge: merge_nested}
    out: [out]
