cwlVersion: v1.2
class: Workflow
doc: >
  loadContents of a workflow input and of a step input, read by valueFrom (conformance 213, 214, 216): the File
  had no contents ("Invalid job input record").
requirements:
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  by_input:
    type: File
    loadContents: true
  by_step: File
outputs:
  from_input: {type: int, outputSource: one/n}
  from_step: {type: int, outputSource: two/n}
steps:
  one:
    run: &count
      class: ExpressionTool
      inputs: {x: int}
      outputs: {n: int}
      expression: '${ return {"n": inputs.x + 1}; }'
    in:
      x: {source: by_input, valueFrom: $(parseInt(self.contents))}
    out: [n]
  two:
    run: *count
    in:
      x: {source: by_step, loadContents: true, valueFrom: $(parseInt(self.contents))}
    out: [n]
