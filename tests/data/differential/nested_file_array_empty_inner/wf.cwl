cwlVersion: v1.2
class: Workflow
requirements:
  InlineJavascriptRequirement: {}
inputs:
  groups:
    type: {type: array, items: {type: array, items: File}}
outputs:
  out: {type: File, outputSource: sizes/out}
steps:
  sizes:
    run:
      class: CommandLineTool
      requirements:
        InlineJavascriptRequirement: {}
      baseCommand: echo
      arguments: ['$(inputs.groups.length) groups of sizes $(inputs.groups.map(function (g) { return g.length; }).join(","))']
      inputs:
        groups: {type: {type: array, items: {type: array, items: File}}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in: {groups: groups}
    out: [out]
