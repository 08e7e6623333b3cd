cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c, 'tr a-z A-Z < "$0"']
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
stdout: $(inputs.infile.nameroot).upper.txt
outputs:
  out: stdout
