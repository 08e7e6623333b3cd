cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  $import: inputs.yml.gz
outputs: []
