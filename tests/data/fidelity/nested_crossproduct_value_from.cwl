cwlVersion: v1.2
class: Workflow
doc: nested_crossproduct with valueFrom on a scattered input, evaluated per element (conformance 81).
requirements: {ScatterFeatureRequirement: {}, StepInputExpressionRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  records: {type: {type: array, items: {type: record, name: named, fields: [{name: name, type: string}]}}}
  seconds: string[]
outputs:
  texts: {type: {type: array, items: {type: array, items: string}}, outputSource: pair/text}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in:
      a: {source: records, valueFrom: $(self.name)}
      b: seconds
    out: [text]
