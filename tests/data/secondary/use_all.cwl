cwlVersion: v1.2
class: CommandLineTool
label: a gather that needs the .idx of every file of its array
baseCommand: [sh, -c, 'for f in "$@"; do echo "$(basename "$f"): $(cat "$f.idx")"; done > all.txt', use_all]
inputs:
  files:
    type: File[]
    inputBinding: {position: 1}
    secondaryFiles: [.idx]
outputs:
  out:
    type: File
    outputBinding: {glob: all.txt}
