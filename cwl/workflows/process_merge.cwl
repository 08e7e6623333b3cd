#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Process DL0 -> DL1 and merge
doc: |
  The main local example. Processes every sim_telarray file of `simtel_files` to DL1 with ctapipe-process
  (a CWL scatter: one job per file, a DataReprocessing transformation on the grid), then merges all the DL1
  files into one with ctapipe-merge (a Merging transformation).

  Runs locally on the two LST test files in examples/data (see examples/process_merge.yml); they
  need `focal_length_choice: EQUIVALENT`, the default here.

requirements:
  ScatterFeatureRequirement: {}

hints:
  - $import: ../types/metadata_fields.yml
  - class: dirac:InputData
    inputs:
      simtel_files:
        data_level: 0
        outputType: Data
        tel_sim_prog: sim_telarray

inputs:
  simtel_files:
    type: File[]
    doc: sim_telarray (DL0) files to process, e.g. `*.simtel.zst`.
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EQUIVALENT
    doc: |
      Passed to ctapipe-process as `--SimTelEventSource.focal_length_choice=...`; EQUIVALENT for files without
      the effective focal length (the LST test files), EFFECTIVE (ctapipe's default) for production files.
  process_config:
    type: File?
    doc: Optional ctapipe-process configuration file (e.g. ctapipe's stage1_config.yaml).
  write_images:
    type: boolean
    default: false
    doc: Also keep the DL1 images (much bigger files).
  merged_name:
    type: string?
    doc: Name of the merged file (default `<first input stem>_merged.dl1.h5`).

steps:
  process:
    run: ../tools/ctapipe_process.cwl
    scatter: input
    in:
      input: simtel_files
      config: process_config
      focal_length_choice: focal_length_choice
      write_images: write_images
    out: [dl1_file, log, provenance_log]

  merge:
    run: ../tools/ctapipe_merge.cwl
    in:
      input_files: process/dl1_file
      output_name: merged_name
    out: [merged_file, log, provenance_log]

outputs:
  dl1_files:
    type: File[]
    doc: One DL1 file per input file.
    outputSource: process/dl1_file
  merged_file:
    type: File
    doc: All DL1 files merged into one.
    outputSource: merge/merged_file
  process_logs:
    type: File[]
    doc: ctapipe-process logs.
    outputSource: process/log
  merge_log:
    type: File
    doc: ctapipe-merge log.
    outputSource: merge/log
