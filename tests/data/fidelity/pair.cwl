cwlVersion: v1.2
class: CommandLineTool
doc: Writes "<a> <b>" to <a>_<b>.txt and gives the text too.
requirements: {InlineJavascriptRequirement: {}}
baseCommand: [sh, -c]
arguments: ['printf "%s %s" "$0" "$1" > "$0_$1.txt"', $(inputs.a), $(inputs.b)]
inputs:
  a: string
  b: string
outputs:
  file: {type: File, outputBinding: {glob: "*.txt"}}
  text:
    type: string
    outputBinding: {glob: "*.txt", loadContents: true, outputEval: '$(self[0].contents)'}
