cwlVersion: v1.2
class: Workflow
label: default values (workflow input, step input, tool input) and valueFrom
requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
inputs:
  name:
    type: string
    default: world
  number:
    type: int?
  infile: File
outputs:
  described:
    type: File
    outputSource: describe/out
  greeted:
    type: File
    outputSource: greet/out
  counted:
    type: File
    outputSource: words/out
steps:
  greet:
    run: tools/echo.cwl
    in:
      message:
        source: name
        valueFrom: $("hello " + self)
    out: [out]
  describe:
    run: tools/describe.cwl
    in:
      name: name
      number:
        source: number
        default: 7
      note:
        default: a default note
      tags:
        valueFrom: $([inputs.name, "tag"])
    out: [out]
  words:
    run: tools/repeat.cwl
    in:
      word:
        source: infile
        valueFrom: $(self.nameroot)
      times:
        source: greet/out
        valueFrom: $(self.basename.length)
    out: [out]
