cwlVersion: v1.2
class: CommandLineTool
label: the sum of some numbers, as a file and as an int
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c, 's=0; for n in "$@"; do s=$((s+n)); done; echo $s', sum]
inputs:
  numbers:
    type: int[]
    inputBinding: {position: 1}
stdout: sum.txt
outputs:
  out: stdout
  total:
    type: int
    outputBinding:
      glob: sum.txt
      loadContents: true
      outputEval: $(parseInt(self[0].contents))
