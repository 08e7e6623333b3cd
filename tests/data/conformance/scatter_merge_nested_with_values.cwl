cwlVersion: v1.2
class: Workflow
doc: >
  A scatter over two File[] sources merged nested, dotproduct with names: each task would need a whole source
  and a value; refused (exit 33).
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  a: File[]
  b: File[]
outputs:
  out: {type: 'File[]', outputSource: cat/out}
steps:
  cat:
    run:
      class: CommandLineTool
      inputs:
        fs: File[]
        name: string
      outputs: {out: stdout}
      stdout: cat.txt
      baseCommand: echo
      arguments: [$(inputs.name)]
    scatter: [fs, name]
    scatterMethod: dotproduct
    in:
      fs: {source: [a, b], linkMerge: merge_nested}
      name: {default: [x, y]}
    out: [out]
