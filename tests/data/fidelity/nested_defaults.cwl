cwlVersion: v1.2
class: Workflow
doc: Defaults holding arrays of arrays, at the workflow, the step and the tool (cwl-utils splices nested lists).
requirements: {ScatterFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  groups:
    type: {type: array, items: {type: array, items: string}}
    default: [[a, b, c], [d, e], [f]]
outputs:
  per_group: {type: 'File[]', outputSource: echo/out}
  counted: {type: File, outputSource: count/out}
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
  count:
    run:
      class: CommandLineTool
      baseCommand: echo
      arguments: [$(inputs.pairs.length), $(inputs.tool_own.length)]
      inputs:
        pairs: {type: {type: array, items: {type: array, items: int}}}
        tool_own:
          type: {type: array, items: {type: array, items: int}}
          default: [[1, 2], [3, 4], [5, 6], [7, 8]]
      stdout: count.txt
      outputs:
        out: {type: stdout}
    in:
      pairs: {default: [[1, 2], [3, 4]]}
    out: [out]
