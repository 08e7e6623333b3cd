cwlVersion: v1.2
class: Workflow
doc: >
  A scatter over three sources merged nested (conformance 28's shape): the files a scattered step made (File[]),
  a workflow input's File[] and an empty File[]; one task per source, in source order.
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  names: string[]
  b: File[]
  none: {type: 'File[]', default: []}
outputs:
  out: {type: 'File[]', outputSource: cat/out}
  counts: {type: 'int[]', outputSource: cat/count}
steps:
  make:
    run:
      class: CommandLineTool
      inputs: {name: string}
      baseCommand: [sh, -c, 'echo "$0" > "$0.txt"']
      arguments: [$(inputs.name)]
      outputs: {out: {type: File, outputBinding: {glob: '*.txt'}}}
    scatter: name
    in: {name: names}
    out: [out]
  cat:
    run:
      class: CommandLineTool
      inputs:
        fs: File[]
      outputs:
        out: stdout
        count: {type: int, outputBinding: {outputEval: $(inputs.fs.length)}}
      baseCommand: [sh, -c, 'cat "$@" /dev/null', cat]
      stdout: cat.txt
      arguments:
        - valueFrom: '$(inputs.fs.map(function(f) { return f.path; }))'
    scatter: fs
    in:
      fs: {source: [make/out, b, none], linkMerge: merge_nested}
    out: [out, count]
