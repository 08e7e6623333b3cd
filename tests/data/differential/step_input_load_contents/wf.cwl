cwlVersion: v1.2
class: Workflow
requirements:
  InlineJavascriptRequirement: {}
inputs:
  f: File
outputs:
  out: {type: File, outputSource: show/out}
steps:
  show:
    run:
      class: CommandLineTool
      requirements:
        InlineJavascriptRequirement: {}
      baseCommand: echo
      arguments: ['$(inputs.f.contents === undefined ? "no contents" : "contents " + inputs.f.contents)']
      inputs:
        f: File
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in:
      f: {source: f, loadContents: true}
    out: [out]
