cwlVersion: v1.2
class: Workflow
doc: >
  A nested_crossproduct ExpressionTool of workflow inputs, evaluated when compiling: its arrays of arrays reach
  the next step as a constant.
requirements: {ScatterFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  shown: {type: File, outputSource: show/out}
steps:
  names:
    run:
      class: ExpressionTool
      inputs: {a: string, b: string}
      outputs: {name: string}
      expression: '${ return {name: inputs.a + "-" + inputs.b}; }'
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in: {a: firsts, b: seconds}
    out: [name]
  show:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        names: {type: {type: array, items: {type: array, items: string}}}
      arguments: ['$(JSON.stringify(inputs.names))']
      stdout: shown.txt
      outputs: {out: stdout}
    in: {names: names/name}
    out: [out]
