cwlVersion: v1.2
class: Workflow
label: fan-in; a step with two parents, and a gather over both with merge_flattened
requirements:
  MultipleInputFeatureRequirement: {}
inputs:
  a: File
  b: File
outputs:
  pasted:
    type: File
    outputSource: join/out
  concat:
    type: File
    outputSource: concat/out
steps:
  sort_a:
    run: tools/sort.cwl
    in: {infile: a}
    out: [out]
  upper_b:
    run: tools/upper.cwl
    in: {infile: b}
    out: [out]
  join:
    run: tools/paste.cwl
    in:
      first: sort_a/out
      second: upper_b/out
    out: [out]
  concat:
    run: tools/cat.cwl
    in:
      files:
        source: [upper_b/out, sort_a/out]
        linkMerge: merge_flattened
    out: [out]
