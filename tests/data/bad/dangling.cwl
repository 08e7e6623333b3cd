cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  say:
    run: ../tools/echo.cwl
    in:
      message: message
    out: [out]
  copy:
    run: ../tools/cat.cwl
    in:
      infile: sya/out
    out: [out]
