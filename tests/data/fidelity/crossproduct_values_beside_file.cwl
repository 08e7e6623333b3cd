cwlVersion: v1.2
class: Workflow
doc: A flat crossproduct of two value arrays beside a shared File.
requirements: {ScatterFeatureRequirement: {}, StepInputExpressionRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  names: string[]
  suffixes: string[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: tag/out}
steps:
  tag:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments: ['cat "$0" > "$1-$2.txt"', $(inputs.conf.path), $(inputs.name), $(inputs.suffix)]
      inputs: {name: string, suffix: string, conf: File}
      outputs:
        out: {type: File, outputBinding: {glob: "*.txt"}}
    scatter: [name, suffix]
    scatterMethod: flat_crossproduct
    in: {name: names, suffix: suffixes, conf: conf}
    out: [out]
