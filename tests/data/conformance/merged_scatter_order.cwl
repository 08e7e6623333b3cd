cwlVersion: v1.2
class: Workflow
doc: >
  A scatter over two sources merged (conformance 143's shape), then a scatter over its outputs: the first
  element's task ends last; the outputs keep the merged order (they were gathered by which task ended first).
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  slow: File
  fast: File[]
outputs:
  names: {type: 'string[]', outputSource: name/n}
  copies: {type: 'File[]', outputSource: copy/out}
steps:
  copy:
    run:
      class: CommandLineTool
      inputs: {f: File}
      baseCommand: [sh, -c, 'case "$0" in *f1.txt) sleep 3;; esac; cat "$0" > "copy_$(basename "$0")"']
      arguments: [$(inputs.f.path)]
      outputs: {out: {type: File, outputBinding: {glob: 'copy_*'}}}
    scatter: f
    in: {f: {source: [slow, fast], linkMerge: merge_flattened}}
    out: [out]
  name:
    run:
      class: ExpressionTool
      requirements: {InlineJavascriptRequirement: {}}
      inputs: {f: File}
      outputs: {n: string}
      expression: '${ return {n: inputs.f.basename}; }'
    scatter: f
    in: {f: copy/out}
    out: [n]
