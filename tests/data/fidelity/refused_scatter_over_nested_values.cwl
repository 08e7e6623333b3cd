cwlVersion: v1.2
class: Workflow
doc: A scatter over a nested_crossproduct's values (each element a row, computed in another transformation).
requirements: {ScatterFeatureRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  rows: {type: 'File[]', outputSource: row/out}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in: {a: firsts, b: seconds}
    out: [text]
  row:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        texts: {type: 'string[]', inputBinding: {}}
      stdout: row.txt
      outputs: {out: stdout}
    scatter: texts
    in: {texts: pair/text}
    out: [out]
