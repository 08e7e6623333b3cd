cwlVersion: v1.2
class: Workflow
label: echo then cat, as a sub-workflow
requirements:
  EnvVarRequirement:
    envDef: {LEVEL: inner}
inputs:
  message: string
outputs:
  copied:
    type: File
    outputSource: copy/out
steps:
  say:
    run: ../tools/echo.cwl
    in:
      message: message
    out: [out]
  copy:
    run: ../tools/cat.cwl
    in:
      infile: say/out
    out: [out]
