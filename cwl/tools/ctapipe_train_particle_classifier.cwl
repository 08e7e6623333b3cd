#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: ctapipe-train-particle-classifier
doc: |
  Trains ctapipe's ParticleClassifier (gamma/hadron separation, one model per telescope type) with
  `ctapipe-train-particle-classifier` on a signal file (gammas) and a background file (protons): a fan-in
  of the gamma and the proton branches.

  Outputs: the model (`.pkl`), the cross-validation results (`--cv-output`), the log and provenance log.
  Uses all cores it gets: `--n-jobs $(runtime.cores)`; CTAO training jobs ask for 8 processors.

requirements:
  InlineJavascriptRequirement: {}

baseCommand: ctapipe-train-particle-classifier

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
  signal:
    type: File
    doc: DL1b/DL2 HDF5 file of the signal class, gammas (`--signal`).
    inputBinding: {prefix: --signal, position: 1}
  background:
    type: File
    doc: DL1b/DL2 HDF5 file of the background class, protons (`--background`).
    inputBinding: {prefix: --background, position: 1}
  signal_fraction:
    type: float?
    doc: n_signal / (n_signal + n_background) in the training sample (`--signal-fraction`); config value if unset.
    inputBinding: {prefix: --signal-fraction, position: 16}
  config:
    type: File
    doc: |
      ML configuration (YAML) for the ParticleClassifier (model_cls, features, quality query...),
      e.g. `examples/config/train_particle_classifier.yaml` (based on ctapipe's resources/train_particle_classifier.yaml).
    inputBinding: {prefix: --config, position: 10}
  output_name:
    type: string
    default: particle_classifier.pkl
    doc: File name of the trained model (`--output`); pickle is the only format ctapipe supports.
    inputBinding: {prefix: --output, position: 11}
  cv_output_name:
    type: string
    default: particle_classifier_cv.h5
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
    doc: The trained ParticleClassifier (pickle).
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
      analysis_prog: ctapipe-train-particle-classifier
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
