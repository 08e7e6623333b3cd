cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
inputs:
  message: string
outputs:
  out:
    type: File
    outputSource: say/out
steps:
  say:
    run: echo.cwl
    in:
      message: message
    out: [out]
    hints:
      dirac:Software: {pakage: ctapipe, version: v0.28.0}
