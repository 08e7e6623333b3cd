cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  files: File[]
outputs:
  out:
    type: {type: array, items: File}
    outputSource: count/out
steps:
  count:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'cat "$0"; echo all:; cat "$@"']
      inputs:
        file: {type: File, inputBinding: {position: 1}}
        all: {type: 'File[]', inputBinding: {position: 2}}
      stdout: out.txt
      outputs:
        out: {type: stdout}
    in:
      file: files
      all: files
    scatter: file
    out: [out]
