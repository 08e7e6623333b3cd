cwlVersion: v1.2
class: Workflow
label: refused; one step input merging step outputs (tasks) with a workflow input file (found by query)
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  infiles: File[]
  extra: File
outputs:
  merged:
    type: File
    outputSource: merge/out
steps:
  sort:
    run: tools/sort.cwl
    in: {infile: infiles}
    scatter: infile
    out: [out]
  merge:
    run: tools/cat.cwl
    in:
      files:
        source: [sort/out, extra]
        linkMerge: merge_flattened
    out: [out]
