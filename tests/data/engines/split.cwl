cwlVersion: v1.2
class: Workflow
label: a File[] from one job scattered over; a scattered step with File[] outputs (nested arrays)
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infile: File
  infiles: File[]
outputs:
  parts:
    type: File[]
    outputSource: split/parts
  shouted:
    type: File[]
    outputSource: upper/out
  merged:
    type: File
    outputSource: merge/out
  nested:
    type:
      type: array
      items: {type: array, items: File}
    outputSource: split_each/parts
steps:
  split:
    run: tools/split.cwl
    in: {infile: infile}
    out: [parts]
  upper:
    run: tools/upper.cwl
    in: {infile: split/parts}
    scatter: infile
    out: [out]
  merge:
    run: tools/cat.cwl
    in: {files: upper/out}
    out: [out]
  split_each:
    run: tools/split.cwl
    in:
      infile: infiles
      prefix: {default: piece_}
    scatter: infile
    out: [parts]
