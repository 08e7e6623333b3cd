cwlVersion: v1.2
class: Workflow
label: a conditional scattered step (nulls inside the array), gathered with pickValue all_non_null
requirements:
  InlineJavascriptRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  infiles: File[]
  min_size: int
outputs:
  big:
    type: {type: array, items: ['null', File]}
    outputSource: sort/out
  counts:
    type: int[]
    outputSource: count/n
  total:
    type: int
    outputSource: sum/total
  merged:
    type: File
    outputSource: merge/out
steps:
  sort:
    run: tools/sort.cwl
    when: $(inputs.infile.size >= inputs.min_size)
    in:
      infile: infiles
      min_size: min_size
    scatter: infile
    out: [out]
  count:
    run: tools/wc.cwl
    in: {infile: infiles}
    scatter: infile
    out: [n]
  sum:
    run: tools/sum.cwl
    in: {numbers: count/n}
    out: [total]
  merge:
    run: tools/cat.cwl
    in:
      files:
        source: sort/out
        pickValue: all_non_null
    out: [out]
