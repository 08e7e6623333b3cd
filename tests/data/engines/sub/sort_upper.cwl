cwlVersion: v1.2
class: Workflow
label: echo a message, sort, upper-case (a sub-workflow)
inputs:
  message: string
outputs:
  shouted:
    type: File
    outputSource: upper/out
  said:
    type: File
    outputSource: say/out
steps:
  say:
    run: ../tools/echo.cwl
    in: {message: message}
    out: [out]
  sort:
    run: ../tools/sort.cwl
    in: {infile: say/out}
    out: [out]
  upper:
    run: ../tools/upper.cwl
    in: {infile: sort/out}
    out: [out]
