#!/usr/bin/env cwl-runner
# 'make' is scattered with `when`: its skipped elements are null, with no file. 'use' scatters over make's files:
# cwltool has one element per element of 'make' (null where it was skipped); DIRAC would form a task per file.
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  words:
    type: string[]
    default: [a, bb, c]
outputs:
  used:
    type:
      type: array
      items: ['null', File]
    outputSource: use/out
steps:
  make:
    scatter: word
    in: {word: words}
    when: $(inputs.word.length == 1)
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: echo
      stdout: word.txt
      inputs:
        word: {type: string, inputBinding: {position: 1}}
      outputs:
        out: {type: stdout}
  use:
    scatter: f
    in: {f: make/out}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: cat
      stdout: used.txt
      inputs:
        f: {type: 'File?', inputBinding: {position: 1}}
      outputs:
        out: {type: stdout}
