# A step gathers the File outputs of a step scattered over files with `when`: each skipped element is null in
# cwltool, but the tasks (one per file) are known only when the files are, so nothing can place the nulls: 33.
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  fs: File[]
outputs:
  out:
    type: File
    outputSource: g/o
steps:
  s1:
    in: {f: fs}
    scatter: f
    when: $(inputs.f.basename != 'b.txt')
    out: [o]
    run:
      class: CommandLineTool
      inputs: {f: File}
      baseCommand: [cp]
      arguments: [$(inputs.f.path), out.txt]
      outputs:
        o: {type: File, outputBinding: {glob: out.txt}}
  g:
    in: {fs: s1/o}
    out: [o]
    run:
      class: CommandLineTool
      inputs: {fs: {type: {type: array, items: ["null", File]}}}
      baseCommand: [echo]
      arguments: [$(inputs.fs.length)]
      stdout: n.txt
      outputs:
        o: {type: File, outputBinding: {glob: n.txt}}
