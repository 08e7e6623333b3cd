cwlVersion: v1.2
class: CommandLineTool
label: needs the .idx beside its input (read through the primary's path)
baseCommand: [sh, -c, 'echo "$(cat "$0.idx") lines in $(basename "$0")" > used.txt']
inputs:
  f:
    type: File
    inputBinding: {position: 1}
    secondaryFiles:
      - pattern: .idx
        required: true
outputs:
  out:
    type: File
    outputBinding: {glob: used.txt}
