#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Simulate n_runs runs of one particle
doc: |
  CORSIKA + sim_telarray simulation of `n_runs` runs of one particle type. The `runs` ExpressionTool turns
  `n_runs` into the run numbers 1..n_runs and the `simulate` step scatters over them. cwl2dirac evaluates `runs`
  when compiling (constant folding: its inputs are workflow inputs) and compiles `simulate` into one MCSimulation
  transformation extended by n_runs tasks, the task number picking the run number. Locally, cwltool runs n_runs jobs (and fails with
  "command not found", since the simulation wrapper only exists on the grid).

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
    doc: Number of runs (= simulation tasks) to produce; run numbers are 1..n_runs.
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

outputs:
  simtel_files:
    type: File[]
    doc: One sim_telarray (DL0) file per run.
    outputSource: simulate/simtel_file
  logs:
    type:
      type: array
      items:
        type: array
        items: File
    doc: Simulation logs, per run.
    outputSource: simulate/logs
