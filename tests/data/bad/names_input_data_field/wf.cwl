cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
hints:
  dirac:InputData: {inputs: {infile: {run-number: 1}}}
inputs:
  infile: File
outputs:
  out:
    type: File
    outputSource: copy/out
steps:
  copy:
    run: cat.cwl
    in: {infile: infile}
    out: [out]
