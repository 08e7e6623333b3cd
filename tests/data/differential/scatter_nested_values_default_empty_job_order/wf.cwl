cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  groups:
    type: {type: array, items: {type: array, items: string}}
    default: [[a, b, c], [d, e], [f]]
outputs:
  out:
    type: {type: array, items: File}
    outputSource: echo/out
steps:
  echo:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        words: {type: 'string[]', inputBinding: {position: 1}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {words: groups}
    scatter: words
    out: [out]
