cwlVersion: v1.2
class: CommandLineTool
doc: "An input of type File or File[] given an array (conformance 157): it was taken for one File."
requirements:
  InlineJavascriptRequirement: {}
inputs:
  input:
    type: ["null", File, {type: array, items: File}]
outputs:
  out: stdout
stdout: shape.txt
baseCommand: echo
arguments:
  - valueFrom: '${ return Array.isArray(inputs.input) ? ["array", inputs.input.length] : ["single"]; }'
