#!/usr/bin/env cwl-runner
# A step scattered over words makes File[] per word; the next step takes the gathered File[][] whole (not
# scattered): the nesting must arrive (the basenames per group), or cwl2dirac refuses (33).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  words:
    type: string[]
    default: [ab, cde]
outputs:
  shape:
    type: File
    outputSource: look/out
steps:
  split:
    scatter: word
    in: {word: words}
    out: [parts]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments: ['for c in `echo "$0" | fold -w1`; do echo "$c" > "part_$c"; done', $(inputs.word)]
      inputs:
        word: string
      outputs:
        parts:
          type: File[]
          outputBinding: {glob: part_*}
  look:
    in: {groups: split/parts}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: echo
      stdout: shape.txt
      inputs:
        groups:
          type:
            type: array
            items: {type: array, items: File}
      arguments: ['$(inputs.groups.map(function (g) { return g.map(function (f) { return f.basename; }).join("+"); }).join(","))']
      outputs:
        out: {type: stdout}
