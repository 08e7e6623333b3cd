cwlVersion: v1.2
class: CommandLineTool
label: process one file
baseCommand: cat
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
stdout: processed.txt
outputs:
  out: stdout
