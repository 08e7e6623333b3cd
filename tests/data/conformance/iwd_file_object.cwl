cwlVersion: v1.2
class: CommandLineTool
doc: >
  A File declared in InitialWorkDir by its location relative to the document, collected as an output
  (conformance 333, 334): it was looked for in the task's directory, then its link taken for an escape.
requirements:
  InitialWorkDirRequirement:
    listing:
      - {class: File, location: default_input.txt}
inputs: []
outputs:
  out:
    type: File
    outputBinding: {glob: default_input.txt}
baseCommand: "true"
