#!/usr/bin/env cwl-runner
# A step scattered over the items of an array output of one (non-scattered) task, each element giving a File[]:
# the elements were told apart by the task's index, which all items share, so every element's files were gathered
# as one ([[6 files]] where cwltool has 3 arrays of 2), exit 0 (differential seed 6 case 226).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  text: {type: File, default: {class: File, location: lines.txt}}
outputs:
  halves:
    type: {type: array, items: {type: array, items: File}}
    outputSource: halve/parts
steps:
  split:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'mkdir p && split -l 2 "$0" p/part_']
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      outputs: {parts: {type: 'File[]', outputBinding: {glob: 'p/part_*'}}}
    in: {f: text}
    out: [parts]
  halve:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'mkdir h && split -l 1 "$0" "h/$(basename $0)_"']
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      outputs: {parts: {type: 'File[]', outputBinding: {glob: 'h/*'}}}
    scatter: f
    in: {f: split/parts}
    out: [parts]
