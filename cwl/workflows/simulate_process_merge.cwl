#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Simulate, process to DL2 and merge one particle
doc: |
  One particle branch of the CTAO Monte-Carlo chain:

  1. `simulate`: CORSIKA + sim_telarray, `n_runs` runs (scatter over run_number = 1..n_runs, made from
     `n_runs` by the `run_numbers` ExpressionTool, which cwl2dirac folds at compile time into n_runs MCSimulation
     tasks);
  2. `process`: ctapipe-process DL0 -> DL2 of every run (scatter; image parameters + HillasReconstructor
     geometry, which the ML trainings use as features);
  3. `merge`: ctapipe-merge of all DL2 files.

  Used twice or more in full_chain.cwl (`gamma`, `proton`, `gamma_test` steps). Locally the `simulate` step
  cannot run (no simulation software): see simulate.cwl.

requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
  ScatterFeatureRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: ../types/ctao.yml

hints:
  - $import: ../types/metadata_fields.yml

inputs:
  n_runs:
    type: int
    doc: Number of simulation runs; run numbers are 1..n_runs.
  particle:
    type: ../types/ctao.yml#Particle
    doc: Primary particle.
  site:
    type: ../types/ctao.yml#Site
    default: CTAO-North
    doc: Observatory site.
  array_layout:
    type: string
    default: Alpha
    doc: Array layout.
  zenith:
    type: float
    default: 20.0
    doc: Zenith angle of the pointing, degrees.
  azimuth:
    type: float
    default: 180.0
    doc: Azimuth of the pointing, degrees.
  n_showers:
    type: int
    default: 20000
    doc: Showers per run.
  process_config:
    type: File?
    doc: Optional ctapipe-process configuration (e.g. ctapipe's stage2_config.yaml).
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EFFECTIVE
    doc: ctapipe focal-length choice for the simulated files (EFFECTIVE for current sim_telarray output).

steps:
  runs:
    run: ../tools/run_numbers.cwl
    in:
      n_runs: n_runs
    out: [run_numbers]

  simulate:
    run: ../tools/corsika_simtelarray.cwl
    scatter: run_number
    in:
      run_number: runs/run_numbers
      particle: particle
      site: site
      array_layout: array_layout
      zenith: zenith
      azimuth: azimuth
      n_showers: n_showers
    out: [simtel_file, logs]

  process:
    run: ../tools/ctapipe_process_dl0_dl2.cwl
    scatter: input
    in:
      input: simulate/simtel_file
      config: process_config
      focal_length_choice: focal_length_choice
    out: [dl2_file, log, provenance_log]

  merge:
    run: ../tools/ctapipe_merge.cwl
    in:
      input_files: process/dl2_file
    out: [merged_file, log, provenance_log]

outputs:
  simtel_files:
    type: File[]
    doc: sim_telarray (DL0) files, one per run.
    outputSource: simulate/simtel_file
  dl2_files:
    type: File[]
    doc: DL2 files, one per run.
    outputSource: process/dl2_file
  merged_file:
    type: File
    doc: All DL2 files of the branch merged.
    outputSource: merge/merged_file
