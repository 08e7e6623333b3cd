cwlVersion: v1.2
class: CommandLineTool
label: copy a text file to <nameroot>.txt (and copy_<nameroot>.txt), write its index (line count) beside it
baseCommand: [sh, -c, 'cp "$0" "$1" && cp "$0" "copy_$1" && wc -l < "$0" | tr -d " " > "$1.idx"']
inputs:
  f:
    type: File
    inputBinding: {position: 1}
arguments:
  - {position: 2, valueFrom: $(inputs.f.nameroot).txt}
outputs:
  out:
    type: File
    outputBinding: {glob: $(inputs.f.nameroot).txt}
    secondaryFiles: [.idx]
  copy:
    type: File
    outputBinding: {glob: copy_$(inputs.f.nameroot).txt}
    secondaryFiles: [.none?]
