cwlVersion: v1.2
class: CommandLineTool
requirements:
  ShellCommandRequirement: {}
baseCommand: [sh, -c]
inputs:
  run_number:
    type: int
    inputBinding: {position: 1, valueFrom: 'echo run $(self) > run.txt'}
outputs:
  out:
    type: File
    outputBinding: {glob: run.txt}
