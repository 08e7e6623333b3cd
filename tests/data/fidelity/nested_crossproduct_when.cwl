cwlVersion: v1.2
class: Workflow
doc: >
  nested_crossproduct over three arrays with `when` on one of them (conformance 283, 305): skipped tasks are nulls
  at their places; pickValue all_non_null acts on the outer array only.
requirements: {ScatterFeatureRequirement: {}}
inputs:
  letters: {type: 'string[]', default: [p, q]}
  words: {type: 'string[]', default: [r, s, t]}
  keep: {type: 'boolean[]', default: [false, true, true, false]}
outputs:
  out:
    type: {type: array, items: {type: array, items: {type: array, items: ['null', string]}}}
    outputSource: pair/text
    pickValue: all_non_null
steps:
  pair:
    run:
      class: CommandLineTool
      baseCommand: [printf, '%s%s']
      inputs:
        a: {type: string, inputBinding: {position: 1}}
        b: {type: string, inputBinding: {position: 2}}
        keep: boolean
      stdout: out.txt
      outputs:
        text:
          type: string
          outputBinding: {glob: out.txt, loadContents: true, outputEval: '$(self[0].contents)'}
    scatter: [a, b, keep]
    scatterMethod: nested_crossproduct
    when: $(inputs.keep)
    in: {a: letters, b: words, keep: keep}
    out: [text]
