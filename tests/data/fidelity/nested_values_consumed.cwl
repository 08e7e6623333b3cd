cwlVersion: v1.2
class: Workflow
doc: >
  A nested_crossproduct's values (arrays of arrays, nulls where `when` skipped a task) given whole to another
  step, which counts them row by row.
requirements: {ScatterFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  rows: {type: File, outputSource: count/out}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    when: $(inputs.b != "y")
    in: {a: firsts, b: seconds}
    out: [text]
  count:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        texts: {type: {type: array, items: {type: array, items: ['null', string]}}}
      arguments: ['$(JSON.stringify(inputs.texts))']
      stdout: rows.txt
      outputs: {out: stdout}
    in: {texts: pair/text}
    out: [out]
