cwlVersion: v1.2
class: Workflow
doc: A nested_crossproduct's output (arrays of arrays) given to another step, which gets its inputs flat.
requirements: {ScatterFeatureRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  count: {type: File, outputSource: count/out}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in: {a: firsts, b: seconds}
    out: [text]
  count:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        texts: {type: {type: array, items: {type: array, items: string}}, inputBinding: {}}
      stdout: count.txt
      outputs: {out: stdout}
    in: {texts: pair/text}
    out: [out]
