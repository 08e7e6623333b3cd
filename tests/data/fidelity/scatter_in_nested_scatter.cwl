cwlVersion: v1.2
class: Workflow
doc: >
  A flat_crossproduct scatter inside a nested_crossproduct scattered sub-workflow, run by an ExpressionTool
  (conformance 347-350's shapes): string[][][].
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  letters: string[]
  marks: string[]
  numbers: int[]
  signs: string[]
outputs:
  out:
    type: {type: array, items: {type: array, items: {type: array, items: string}}}
    outputSource: each/out
steps:
  each:
    run:
      class: Workflow
      inputs: {letter: string, mark: string, numbers: 'int[]', signs: 'string[]'}
      outputs:
        out: {type: 'string[]', outputSource: join/out}
      steps:
        join:
          run:
            class: ExpressionTool
            inputs: {letter: string, mark: string, number: int, sign: string}
            outputs: {out: string}
            expression: '${ return {out: inputs.letter + inputs.mark + inputs.sign + inputs.number}; }'
          scatter: [number, sign]
          scatterMethod: flat_crossproduct
          in: {letter: letter, mark: mark, number: numbers, sign: signs}
          out: [out]
    scatter: [letter, mark]
    scatterMethod: nested_crossproduct
    in: {letter: letters, mark: marks, numbers: numbers, signs: signs}
    out: [out]
