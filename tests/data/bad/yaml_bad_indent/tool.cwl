cwlVersion: v1.2
class: CommandLineTool
inputs:
  a: string
 b: int
outputs: []
