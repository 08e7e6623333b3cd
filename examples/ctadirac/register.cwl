#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: Register DL0 files in a local run's catalog, with CTAO metadata
doc: |
  The local stand-in for CTAO's File Catalog: running this puts the files into the run's catalog with the
  dirac:InputData metadata below (as CTADIRAC's simulations describe their DL0 files), so that
  `cwl2dirac catalog dataset add` can name them as the datasets a ProdSteps configuration processes.
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"
hints:
  dirac:InputData:
    inputs:
      simtel_files:
        MCCampaign: PROD5b
        site: LaPalma
        array_layout: Advanced-Baseline
        thetaP: 20.0
        phiP: 0.0
        sct: "False"
        data_level: 0
        outputType: Data
        nsb: 1
inputs:
  simtel_files: File[]
outputs:
  listing: {type: File, outputSource: list/listing}
steps:
  list:
    run:
      class: CommandLineTool
      inputs: {files: {type: "File[]", inputBinding: {position: 1}}}
      baseCommand: [ls, -l]
      stdout: listing.txt
      outputs: {listing: stdout}
    in: {files: simtel_files}
    out: [listing]
    hints:
      dirac:Metadata: {inherit: false}  # the listing is not DL0 data
