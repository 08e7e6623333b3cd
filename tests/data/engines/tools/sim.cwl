cwlVersion: v1.2
class: CommandLineTool
label: a fake simulation of one run, its file named after the run
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c, 'i=0; while [ "$i" -lt "$0" ]; do echo "event $i of run $0 ($1)"; i=$((i+1)); done > "run_$0.txt"']
inputs:
  run_number:
    type: int
    inputBinding: {position: 1}
  particle:
    type: string
    inputBinding: {position: 2}
outputs:
  out:
    type: File
    outputBinding: {glob: 'run_$(inputs.run_number).txt'}
