cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs:
  o: {type: int, outputSource: count/o}
steps:
  say:
    run: echo.cwl
    in: {message: message}
    out: [out]
  count:
    run: expression_tool.cwl
    in: {f: say/out}
    out: [o]
