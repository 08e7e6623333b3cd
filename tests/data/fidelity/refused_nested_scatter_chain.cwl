cwlVersion: v1.2
class: Workflow
doc: >
  Inside a scattered sub-workflow, a scattered step takes the per-element outputs of another step (computed in
  another transformation).
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  letters: string[]
  numbers: string[]
outputs:
  out: {type: {type: array, items: {type: array, items: File}}, outputSource: each/out}
steps:
  each:
    run:
      class: Workflow
      inputs: {letter: string, numbers: 'string[]'}
      outputs:
        out: {type: 'File[]', outputSource: again/file}
      steps:
        first:
          run: pair.cwl
          in: {a: letter, b: {default: "0"}}
          out: [text]
        again:
          run: pair.cwl
          scatter: b
          in: {a: first/text, b: numbers}
          out: [file]
    scatter: letter
    in: {letter: letters, numbers: numbers}
    out: [out]
