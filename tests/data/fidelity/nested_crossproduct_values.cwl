cwlVersion: v1.2
class: Workflow
doc: nested_crossproduct over two value arrays (conformance 37, 41); its outputs are arrays of arrays.
requirements: {ScatterFeatureRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  texts: {type: {type: array, items: {type: array, items: string}}, outputSource: pair/text}
  files: {type: {type: array, items: {type: array, items: File}}, outputSource: pair/file}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in: {a: firsts, b: seconds}
    out: [file, text]
