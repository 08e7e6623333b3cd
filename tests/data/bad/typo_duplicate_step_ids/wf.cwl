cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  - id: say
    run: echo.cwl
    in: {message: message}
    out: [out]
  - id: say
    run: echo.cwl
    in: {message: message}
    out: [out]
