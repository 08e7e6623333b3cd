cwlVersion: v1.2
class: Workflow
label: workflow outputs that are directly workflow inputs
inputs:
  infile: File
  infiles: File[]
  word: string
  n: int
outputs:
  same_file:
    type: File
    outputSource: infile
  same_files:
    type: File[]
    outputSource: infiles
  same_word:
    type: string
    outputSource: word
  same_n:
    type: int
    outputSource: n
  sorted:
    type: File
    outputSource: sort/out
steps:
  sort:
    run: tools/sort.cwl
    in: {infile: infile}
    out: [out]
