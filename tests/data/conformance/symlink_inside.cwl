cwlVersion: v1.2
class: CommandLineTool
doc: A link to a file inside the working directory is collected (conformance 236).
requirements:
  ShellCommandRequirement: {}
inputs: []
outputs:
  out:
    type: File
    outputBinding: {glob: link.txt}
arguments:
  - {valueFrom: "echo inside > real.txt && ln -s real.txt link.txt", shellQuote: false}
