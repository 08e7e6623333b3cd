cwlVersion: v1.2
class: CommandLineTool
baseComand: echo
inputs: []
outputs: []
