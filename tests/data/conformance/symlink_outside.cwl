cwlVersion: v1.2
class: CommandLineTool
doc: Writes a file outside its working directory and links to it; the link must not be collected (conformance 235).
requirements:
  ShellCommandRequirement: {}
inputs:
  target: string
outputs:
  out:
    type: File
    outputBinding: {glob: link.txt}
arguments:
  - {valueFrom: "echo secret > $(inputs.target) && ln -s $(inputs.target) link.txt", shellQuote: false}
