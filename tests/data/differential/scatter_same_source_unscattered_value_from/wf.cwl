cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  files: File[]
outputs:
  out:
    type: {type: array, items: File}
    outputSource: count/out
steps:
  count:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "$0 of $1"; cat "$2"']
      inputs:
        name: {type: string, inputBinding: {position: 1}}
        total: {type: int, inputBinding: {position: 2}}
        file: {type: File, inputBinding: {position: 3}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in:
      file: files
      name: {source: files, valueFrom: $(inputs.file.basename)}
      total: {source: files, valueFrom: $(self.length)}
    scatter: file
    out: [out]
