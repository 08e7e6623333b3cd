cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inptus:
  message: string
outputs: []
