cwlVersion: v1.2
class: CommandLineTool
label: write a word n times, one per line; also report the word as a string output
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c, 'i=0; while [ "$i" -lt "$1" ]; do echo "$0"; i=$((i+1)); done']
inputs:
  word:
    type: string
    inputBinding: {position: 1}
  times:
    type: int
    inputBinding: {position: 2}
stdout: repeated.txt
outputs:
  out: stdout
  label:
    type: string
    outputBinding:
      outputEval: $(inputs.word + "x" + inputs.times)
