cwlVersion: v1.2
class: CommandLineTool
doc: Stand-in for ctapipe-process DL0 -> DL1 (counts the events of the input).
$namespaces:
  dirac: "../schemas/dirac-metadata.json#/$defs/"
requirements:
  ShellCommandRequirement: {}
hints:
  - class: DockerRequirement
    dockerPull: harbor.cta-observatory.org/dpps/ctapipe:0.28.0
  - class: dirac:Scheduling
    platform: x86_64
    priority: 5
    sites: CTAO.DESY-ZN.de, CTAO.PIC.es
inputs:
  dl0: File
  dl1_filename: {type: string}
  log_filename: {type: string, default: ctapipe-process.log}
arguments:
  - {shellQuote: false, valueFrom: "wc -l < $(inputs.dl0.path) > $(inputs.dl1_filename) && echo processed $(inputs.dl0.basename) > $(inputs.log_filename)"}
baseCommand: []
outputs:
  dl1: {type: File, outputBinding: {glob: $(inputs.dl1_filename)}}
  log: {type: File, outputBinding: {glob: $(inputs.log_filename)}}
