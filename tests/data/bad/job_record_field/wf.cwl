cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
inputs:
  p:
    type: {type: record, fields: {zenith: float}}
outputs:
  out:
    type: File
    outputSource: say/out
steps:
  say:
    run: echo.cwl
    in:
      message:
        source: p
        valueFrom: $(String(self.zenith))
    out: [out]
