cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
  ShellCommandRequirement: {}
baseCommand: [sh, -c]
arguments: ["echo secret > ../f; echo secret > f"]
inputs: []
outputs:
  out:
    type: File
    outputBinding:
      glob: $("../" + "f")
