cwlVersion: v1.2
class: CommandLineTool
label: apply a "model" (a header file) to a file
baseCommand: [sh, -c, 'cat "$0" "$1"']
inputs:
  model:
    type: File
    inputBinding: {position: 1}
  infile:
    type: File
    inputBinding: {position: 2}
stdout: applied.txt
outputs:
  out: stdout
