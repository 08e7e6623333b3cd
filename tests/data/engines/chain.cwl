cwlVersion: v1.2
class: Workflow
label: three steps in a chain (sort, upper-case, count)
inputs:
  infile: File
outputs:
  sorted:
    type: File
    outputSource: sort/out
  shouted:
    type: File
    outputSource: upper/out
  lines:
    type: int
    outputSource: count/n
  count_file:
    type: File
    outputSource: count/count
steps:
  sort:
    run: tools/sort.cwl
    in: {infile: infile}
    out: [out]
  upper:
    run: tools/upper.cwl
    in: {infile: sort/out}
    out: [out]
  count:
    run: tools/wc.cwl
    in: {infile: upper/out}
    out: [count, n]
