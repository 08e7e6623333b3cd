cwlVersion: v1.2
class: CommandLineTool
label: count the lines of a file; the count as a file and as an int
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c, 'wc -l < "$0" | tr -d " "']
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
stdout: count.txt
outputs:
  count:
    type: File
    outputBinding: {glob: count.txt}
  n:
    type: int
    outputBinding:
      glob: count.txt
      loadContents: true
      outputEval: $(parseInt(self[0].contents))
