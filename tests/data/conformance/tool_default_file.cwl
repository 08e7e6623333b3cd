cwlVersion: v1.2
class: Workflow
doc: >
  A tool input whose default is a File relative to the document, not given by the workflow (conformance 56, 186):
  it was looked for in the task's directory.
inputs: []
outputs:
  out:
    type: File
    outputSource: show/out
steps:
  show:
    in: []
    out: [out]
    run:
      class: CommandLineTool
      inputs:
        f:
          type: File
          default: {class: File, location: default_input.txt}
      outputs:
        out: stdout
      stdout: shown.txt
      baseCommand: cat
      arguments: [$(inputs.f.path)]
