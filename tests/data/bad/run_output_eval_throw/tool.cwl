cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [echo, "3"]
stdout: n.txt
inputs: []
outputs:
  n:
    type: int
    outputBinding:
      glob: n.txt
      loadContents: true
      outputEval: $(self[0].contents.nothere.x)
