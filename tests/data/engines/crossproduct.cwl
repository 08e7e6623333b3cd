cwlVersion: v1.2
class: Workflow
label: scatter over workflow-input values (flat_crossproduct and dotproduct), gathered
requirements:
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  words: string[]
  counts: int[]
outputs:
  grid:
    type: File[]
    outputSource: cross/out
  labels:
    type: string[]
    outputSource: pairs/label
  merged:
    type: File
    outputSource: merge/out
steps:
  cross:
    run: tools/repeat.cwl
    in:
      word: words
      times: counts
    scatter: [word, times]
    scatterMethod: flat_crossproduct
    out: [out]
  pairs:
    run: tools/repeat.cwl
    in:
      word:
        source: words
        valueFrom: $(self.toUpperCase())
      times: counts
    scatter: [word, times]
    scatterMethod: dotproduct
    out: [label]
  merge:
    run: tools/cat.cwl
    in: {files: cross/out}
    out: [out]
