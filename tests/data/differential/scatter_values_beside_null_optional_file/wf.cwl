cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  words: string[]
  config: File?
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
        word: {type: string, inputBinding: {position: 1}}
        config: {type: File?, inputBinding: {position: 2}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {word: words, config: config}
    scatter: word
    out: [out]
