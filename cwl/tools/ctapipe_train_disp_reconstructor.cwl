#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: ctapipe-train-disp-reconstructor
doc: |
  Trains ctapipe's DispReconstructor (per telescope type, one regressor for norm(disp) and one classifier
  for sign(disp)) on a DL1b/DL2 file of gamma events with `ctapipe-train-disp-reconstructor`.

  Outputs: the model (`.pkl`), the cross-validation results (`--cv-output`), the log and provenance log.
  Uses all cores it gets: `--n-jobs $(runtime.cores)`; CTAO training jobs ask for 8 processors.

requirements:
  InlineJavascriptRequirement: {}

baseCommand: ctapipe-train-disp-reconstructor

arguments:
  - prefix: --n-jobs
    valueFrom: $(runtime.cores)
    position: 2
  - prefix: --log-file
    valueFrom: $(inputs.output_name.replace(/\.pkl$/, '')).log
    position: 3
  - prefix: --provenance-log
    valueFrom: $(inputs.output_name.replace(/\.pkl$/, '')).provenance.log
    position: 4

inputs:
  input:
    type: File
    doc: Merged DL1b/DL2 HDF5 file of gamma events (`--input`).
    inputBinding: {prefix: --input, position: 1}
  config:
    type: File
    doc: |
      ML configuration (YAML) for the DispReconstructor (norm_cls/sign_cls, features, quality query...),
      e.g. `examples/config/train_disp_reconstructor.yaml` (based on ctapipe's resources/train_disp_reconstructor.yaml).
    inputBinding: {prefix: --config, position: 10}
  output_name:
    type: string
    default: disp_reconstructor.pkl
    doc: File name of the trained model (`--output`); pickle is the only format ctapipe supports.
    inputBinding: {prefix: --output, position: 11}
  cv_output_name:
    type: string
    default: disp_reconstructor_cv.h5
    doc: File name of the cross-validation results (`--cv-output`), an HDF5 table of labels and predictions.
    inputBinding: {prefix: --cv-output, position: 12}
  overwrite:
    type: boolean
    default: true
    doc: Overwrite existing output files (`--overwrite`).
    inputBinding: {prefix: --overwrite, position: 13}
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EQUIVALENT
    doc: |
      Focal length used by ctapipe's TableLoader to rebuild the subarray from the input files
      (`--TableLoader.focal_length_choice=...`); EQUIVALENT for files without the effective focal length.
    inputBinding:
      prefix: --TableLoader.focal_length_choice=
      separate: false
      position: 14
  log_level:
    type: string
    default: INFO
    doc: Log level of the log file (`--log-file-level`).
    inputBinding: {prefix: --log-file-level, position: 15}

  options:
    type: string[]?
    doc: |
      Further command-line options, passed as they are after the others (CTADIRAC's `job_config.options` that
      have no input of their own here; `cwl2dirac import prodsteps` fills it in).
    inputBinding: {position: 30}
outputs:
  model:
    type: File
    doc: The trained DispReconstructor (pickle).
    outputBinding: {glob: $(inputs.output_name)}
  cv_output:
    type: File
    doc: Cross-validation results (HDF5).
    outputBinding: {glob: $(inputs.cv_output_name)}
  log:
    type: File
    doc: Log file of the training.
    outputBinding: {glob: "$(inputs.output_name.replace(/\\.pkl$/, '')).log"}
  provenance_log:
    type: File
    doc: ctapipe provenance log (JSON).
    outputBinding: {glob: "$(inputs.output_name.replace(/\\.pkl$/, '')).provenance.log"}

hints:
  ResourceRequirement:
    coresMin: 8
    ramMin: 16000
  dirac:Software:
    package: ctapipe
    version: v0.28.0
    category: stage1
    compiler: gcc114_default
  dirac:Transformation:
    type: Training
  dirac:Job:
    cpu_time: 86400
    tags: [8Processors]
  dirac:Metadata:
    fields:
      analysis_prog: ctapipe-train-disp-reconstructor
      analysis_prog_version: v0.28.0
    outputs:
      model:
        outputType: Model
      cv_output:
        outputType: Data
      log:
        outputType: Log
      provenance_log:
        outputType: Log
