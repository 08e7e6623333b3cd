cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
inputs:
  n: int
outputs:
  out:
    type: File
    outputSource: say/out
steps:
  say:
    run: echo.cwl
    in:
      message:
        source: n
        valueFrom: $(String(self))
    out: [out]
