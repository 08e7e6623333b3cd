cwlVersion: v1.2
class: CommandLineTool
doc: "Float defaults on the command line in decimals (conformance 372, 373): 1.23e5 was a string, 0.00001 was 1e-05."
baseCommand: echo
inputs:
  small:
    type: float
    default: 0.00001
    inputBinding: {position: 1}
  big:
    type: float
    default: 1.23e5
    inputBinding: {position: 2}
  plain:
    type: double
    default: 2.5
    inputBinding: {position: 3}
outputs:
  out: stdout
stdout: floats.txt
