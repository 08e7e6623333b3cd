cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [touch, out.txt]
inputs: []
outputs:
  out:
    type: File
    outputBinding:
      glob: out.txt
      outputEval: ${ self[0].basename = "../../evil.txt"; return self[0]; }
