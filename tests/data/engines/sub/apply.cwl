cwlVersion: v1.2
class: Workflow
label: echo a message, then apply a model to it (a sub-workflow with a side input)
inputs:
  message: string
  model: File
outputs:
  applied:
    type: File
    outputSource: apply/out
steps:
  say:
    run: ../tools/echo.cwl
    in: {message: message}
    out: [out]
  apply:
    run: ../tools/prefix.cwl
    in:
      model: model
      infile: say/out
    out: [out]
