cwlVersion: v1.0
class: Workflow
label: echo then cat
inputs:
  message: string
outputs:
  result:
    type: File
    outputSource: copy/out
steps:
  say:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        message:
          type: string
          inputBinding: {position: 1}
      stdout: message.txt
      outputs:
        out: stdout
    in:
      message: message
    out: [out]
  copy:
    run:
      class: CommandLineTool
      baseCommand: cat
      inputs:
        infile:
          type: File
          inputBinding: {position: 1}
      stdout: copy.txt
      outputs:
        out: stdout
    in:
      infile: say/out
    out: [out]
