cwlVersion: v1.2
class: Workflow
doc: >
  A sub-workflow scattered flat_crossproduct whose parameter x feeds two inputs of its step: one task per
  combination of x and y (not of the step's three inputs).
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  xs: string[]
  ys: string[]
outputs:
  out: {type: 'string[]', outputSource: each/out}
steps:
  each:
    run:
      class: Workflow
      inputs: {x: string, y: string}
      outputs:
        out: {type: string, outputSource: join/out}
      steps:
        join:
          run:
            class: ExpressionTool
            inputs: {a: string, b: string, c: string}
            outputs: {out: string}
            expression: '${ return {out: inputs.a + inputs.b + inputs.c}; }'
          in: {a: x, b: y, c: x}
          out: [out]
    scatter: [x, y]
    scatterMethod: flat_crossproduct
    in: {x: xs, y: ys}
    out: [out]
