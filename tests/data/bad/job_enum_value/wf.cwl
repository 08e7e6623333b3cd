cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
inputs:
  particle:
    type: {type: enum, symbols: [gamma, proton]}
outputs:
  out:
    type: File
    outputSource: say/out
steps:
  say:
    run: echo.cwl
    in:
      message: particle
    out: [out]
