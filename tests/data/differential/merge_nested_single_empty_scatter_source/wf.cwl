#!/usr/bin/env cwl-runner
# Values of a step scattered over an empty array (no task), given to another step by merge_nested of that one
# source: cwltool gives [[]].
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  nums: int[]
outputs:
  counted:
    type: File
    outputSource: count/out
steps:
  make:
    scatter: n
    in: {n: nums}
    out: [o]
    run:
      class: CommandLineTool
      baseCommand: echo
      stdout: out.txt
      inputs:
        n: {type: int, inputBinding: {position: 1}}
      outputs:
        o:
          type: int
          outputBinding:
            glob: out.txt
            loadContents: true
            outputEval: $(parseInt(self[0].contents))
  count:
    in:
      p:
        source: [make/o]
        linkMerge: merge_nested
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: echo
      stdout: count.txt
      inputs:
        p:
          type:
            type: array
            items: {type: array, items: int}
      arguments: [$(JSON.stringify(inputs.p))]
      outputs:
        out: {type: stdout}
