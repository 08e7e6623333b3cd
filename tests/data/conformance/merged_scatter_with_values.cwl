cwlVersion: v1.2
class: Workflow
doc: >
  A dotproduct scatter over two single-File workflow inputs merged into one port and a default array of names
  (conformance 308, cond-with-defaults-1): each file takes the name of its position.
requirements:
  MultipleInputFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  ScatterFeatureRequirement: {}
inputs:
  first: File
  second: File
outputs:
  out:
    type: File[]
    outputSource: copy/out
steps:
  copy:
    run:
      class: CommandLineTool
      inputs:
        f: File
        name: string
      outputs:
        out: stdout
      stdout: $(inputs.name)
      baseCommand: cat
      arguments: [$(inputs.f.path)]
    scatter: [f, suffix]
    scatterMethod: dotproduct
    in:
      f: [first, second]
      suffix: {default: ["1", "2"]}
      name: {valueFrom: "named$(inputs.suffix)"}
    out: [out]
