cwlVersion: v1.2
class: CommandLineTool
label: write a sentence from several values (string, int, optional string, string array)
baseCommand: echo
inputs:
  name:
    type: string
    inputBinding: {position: 1}
  number:
    type: int
    inputBinding: {position: 2, prefix: '-n='}
  note:
    type: string?
    inputBinding: {position: 3, prefix: '--note='}
  tags:
    type: string[]?
    inputBinding: {position: 4}
stdout: description.txt
outputs:
  out: stdout
