cwlVersion: v1.2
class: CommandLineTool
doc: "open
inputs: []
outputs: []
