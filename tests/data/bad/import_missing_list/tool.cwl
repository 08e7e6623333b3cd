cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  - $import: nothere.yml
outputs: []
