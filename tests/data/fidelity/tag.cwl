cwlVersion: v1.2
class: CommandLineTool
doc: Writes <name>.txt holding the configuration's text, then the name.
baseCommand: [sh, -c]
arguments: ['cat "$0" > "$1.txt"; echo "$1" >> "$1.txt"', $(inputs.conf.path), $(inputs.name)]
inputs:
  name: string
  conf: File
outputs:
  out: {type: File, outputBinding: {glob: "*.txt"}}
