cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  a b:
    run: echo.cwl
    in: {message: message}
    out: [out]
  a_b:
    run: echo.cwl
    in: {message: message}
    out: [out]
