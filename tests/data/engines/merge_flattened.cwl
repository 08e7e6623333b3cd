cwlVersion: v1.2
class: Workflow
label: linkMerge merge_flattened of a scattered output, a single file (and, in an output, a workflow input)
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  infiles: File[]
  extra: File
outputs:
  flat:
    type: File[]
    outputSource: [sort/out, upper/out, extra]
    linkMerge: merge_flattened
  merged:
    type: File
    outputSource: merge/out
steps:
  sort:
    run: tools/sort.cwl
    in: {infile: infiles}
    scatter: infile
    out: [out]
  upper:
    run: tools/upper.cwl
    in: {infile: extra}
    out: [out]
  merge:
    run: tools/cat.cwl
    in:
      files:
        source: [sort/out, upper/out]
        linkMerge: merge_flattened
    out: [out]
