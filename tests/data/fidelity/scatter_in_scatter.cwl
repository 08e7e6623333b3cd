cwlVersion: v1.2
class: Workflow
doc: >
  A scatter inside a scattered sub-workflow (conformance 341-350): one task per letter and number, the outputs
  (values and files) arrays of arrays, letter by letter.
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  letters: string[]
  numbers: string[]
outputs:
  texts: {type: {type: array, items: {type: array, items: string}}, outputSource: each/texts}
  files: {type: {type: array, items: {type: array, items: File}}, outputSource: each/files}
steps:
  each:
    run:
      class: Workflow
      inputs: {letter: string, numbers: 'string[]'}
      outputs:
        texts: {type: 'string[]', outputSource: pair/text}
        files: {type: 'File[]', outputSource: pair/file}
      steps:
        pair:
          run: pair.cwl
          scatter: b
          in: {a: letter, b: numbers}
          out: [file, text]
    scatter: letter
    in: {letter: letters, numbers: numbers}
    out: [texts, files]
