cwlVersion: v1.2
class: CommandLineTool
label: one file per line of the input (File[] from one job)
baseCommand: [split, -l, '1', -a, '2']
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
  prefix:
    type: string
    default: part_
    inputBinding: {position: 2}
outputs:
  parts:
    type: File[]
    outputBinding: {glob: '$(inputs.prefix)*'}
