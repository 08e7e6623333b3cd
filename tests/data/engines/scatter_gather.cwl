cwlVersion: v1.2
class: Workflow
label: scatter over a File[] (sort, count each), then gather (merge)
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infiles: File[]
outputs:
  sorted:
    type: File[]
    outputSource: sort/out
  counts:
    type: int[]
    outputSource: count/n
  merged:
    type: File
    outputSource: merge/out
steps:
  sort:
    run: tools/sort.cwl
    in: {infile: infiles}
    scatter: infile
    out: [out]
  count:
    run: tools/wc.cwl
    in: {infile: sort/out}
    scatter: infile
    out: [count, n]
  merge:
    run: tools/cat.cwl
    in: {files: sort/out}
    out: [out]
