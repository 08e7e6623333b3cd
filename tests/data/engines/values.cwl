cwlVersion: v1.2
class: Workflow
label: non-file values crossing steps (an int and a string output feeding the next steps)
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infile: File
  word: string
outputs:
  lines:
    type: int
    outputSource: count/n
  label:
    type: string
    outputSource: repeat/label
  repeated:
    type: File
    outputSource: repeat/out
  description:
    type: File
    outputSource: describe/out
steps:
  count:
    run: tools/wc.cwl
    in: {infile: infile}
    out: [n]
  repeat:
    run: tools/repeat.cwl
    in:
      word: word
      times: count/n
    out: [out, label]
  describe:
    run: tools/describe.cwl
    in:
      name: repeat/label
      number: count/n
    out: [out]
