cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message:
    type: {type: record, fields: {a: {type: boolen}}}
outputs: []
