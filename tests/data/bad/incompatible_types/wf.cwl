cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
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
      message: n
    out: [out]
