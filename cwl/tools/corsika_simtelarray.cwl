#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: CORSIKA + sim_telarray simulation of one run
doc: |
  Simulates one run of air showers with CORSIKA piped into sim_telarray, through CTAO's production wrapper
  `cta-prod-simulate` (the role played by `corsika_autoinputs` + the `simtel` run scripts in the CTAO
  production software). One task = one run: `run_number` seeds the random generators and names the output.

  Output: the sim_telarray file `*.simtel.zst` (DL0 in the CTAO data model: `data_level` 0) and the
  simulation logs.

  The wrapper is only available on the grid (CVMFS, package `corsika_simtelarray`); running this tool locally
  fails with cwltool's "command not found" error, which is expected.

requirements:
  SchemaDefRequirement:
    types:
      - $import: ../types/ctao.yml
  InlineJavascriptRequirement: {}

baseCommand: cta-prod-simulate

inputs:
  run_number:
    type: int
    doc: Run number (1, 2, ...). On the grid, the task number of the simulation transformation.
    inputBinding: {prefix: --run, position: 1}
  particle:
    type: ../types/ctao.yml#Particle
    doc: Primary particle (metadata field `particle`).
    inputBinding: {prefix: --particle, position: 2}
  site:
    type: ../types/ctao.yml#Site
    default: CTAO-North
    doc: Observatory site (metadata field `site`).
    inputBinding: {prefix: --site, position: 3}
  array_layout:
    type: string
    default: Alpha
    doc: Array layout name, e.g. `Alpha` (metadata field `array_layout`).
    inputBinding: {prefix: --array-layout, position: 4}
  zenith:
    type: float
    default: 20.0
    doc: Zenith angle of the pointing in degrees (metadata field `thetaP`).
    inputBinding: {prefix: --zenith, position: 5}
  azimuth:
    type: float
    default: 180.0
    doc: Azimuth of the pointing in degrees, 0 = North, 180 = South (metadata field `phiP`).
    inputBinding: {prefix: --azimuth, position: 6}
  n_showers:
    type: int
    default: 20000
    doc: Number of showers (CORSIKA NSHOW) simulated in the run.
    inputBinding: {prefix: --n-showers, position: 7}
  nsb:
    type: int
    default: 1
    doc: Night-sky-background level as a multiple of the dark NSB (metadata field `nsb`).
    inputBinding: {prefix: --nsb, position: 8}

outputs:
  simtel_file:
    type: File
    doc: sim_telarray output of the run (DL0).
    outputBinding:
      glob: "*.simtel.zst"
  logs:
    type: File[]
    doc: CORSIKA and sim_telarray logs of the run.
    outputBinding:
      glob: ["*.log", "*.log.gz", "*.log.zst"]

hints:
  ResourceRequirement:
    coresMin: 1
    ramMin: 2000
    outdirMin: 10000
  dirac:Software:
    package: corsika_simtelarray
    version: "2024-06-27"
    category: simulations
    compiler: gcc114_default
  dirac:Transformation:
    type: MCSimulation
  dirac:Job:
    cpu_time: 172800
  dirac:Metadata:
    fields:
      data_level: 0
      tel_sim_prog: sim_telarray
      tel_sim_prog_version: "2024-06-27"
    outputs:
      simtel_file:
        outputType: Data
      logs:
        outputType: Log
