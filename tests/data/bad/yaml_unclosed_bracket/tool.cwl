cwlVersion: v1.2
class: CommandLineTool
inputs: [a, b
outputs: []
