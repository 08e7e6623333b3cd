#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: ctapipe-apply-models
doc: |
  Applies trained ctapipe reconstructors (EnergyRegressor, ParticleClassifier, DispReconstructor `.pkl`
  files from the ctapipe-train-* tools) to one DL1b/DL2 file with `ctapipe-apply-models`, writing a DL2 file
  with the ML energy, gammaness and/or disp direction.

  Careful with the models: `--reconstructor` is a list option, but `ctapipe-apply-models --reconstructor
  a.pkl b.pkl` keeps only `a.pkl` (the second path is silently ignored as an extra argument). The tool
  therefore repeats the prefix for each model: `--reconstructor a.pkl --reconstructor b.pkl`. Models are
  applied in the given order, which matters if a model uses another one's output as a feature (e.g. a
  ParticleClassifier trained on the EnergyRegressor's energy): put the energy regressor first.

  The models are given as `energy_model`, `classifier_model`, `disp_model` (each optional, applied in that
  order) and/or the list `models` (applied after them); at least one must be given. Named single-file inputs
  keep workflows simple: a step does not need to merge several sources into one list.

  The output is named after the input: `run1.dl1.h5` / `run1.dl2.h5` -> `run1.dl2.h5` (`output_name` to
  override; the name must differ from the input's, which cwltool stages in another directory anyway).

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        function stem(basename) {
          return basename.replace(/\.(dl[0-9])?\.?h5$/, "");
        }
        function checkModels(inputs) {
          if (!inputs.energy_model && !inputs.classifier_model && !inputs.disp_model &&
              !(inputs.models && inputs.models.length)) {
            throw "ctapipe_apply_models: no model given (energy_model, classifier_model, disp_model or models)";
          }
          return inputs;
        }
        function outName(inputs) {
          return inputs.output_name ? inputs.output_name : stem(inputs.input.basename) + ".dl2.h5";
        }

baseCommand: ctapipe-apply-models

arguments:
  - prefix: --output
    valueFrom: $(outName(checkModels(inputs)))
    position: 2
  - prefix: --log-file
    valueFrom: $(outName(inputs).replace(/\.h5$/, '')).log
    position: 3
  - prefix: --provenance-log
    valueFrom: $(outName(inputs).replace(/\.h5$/, '')).provenance.log
    position: 4
  - prefix: --n-jobs
    valueFrom: $(runtime.cores)
    position: 5

inputs:
  input:
    type: File
    doc: DL1b/DL2 HDF5 file to apply the models to (`--input`).
    inputBinding: {prefix: --input, position: 1}
  energy_model:
    type: File?
    doc: Trained EnergyRegressor (`--reconstructor`, first).
    inputBinding: {prefix: --reconstructor, position: 10}
  classifier_model:
    type: File?
    doc: Trained ParticleClassifier (`--reconstructor`, after the energy model).
    inputBinding: {prefix: --reconstructor, position: 11}
  disp_model:
    type: File?
    doc: Trained DispReconstructor (`--reconstructor`, after the classifier).
    inputBinding: {prefix: --reconstructor, position: 12}
  models:
    type:
      - "null"
      - type: array
        items: File
        inputBinding: {prefix: --reconstructor}
    doc: |
      Further trained reconstructors (`.pkl`), one `--reconstructor` option each, applied after the named
      models, in this order.
    inputBinding: {position: 13}
  config:
    type: File?
    doc: Optional ctapipe configuration file for the ApplyModels tool (`--config`).
    inputBinding: {prefix: --config, position: 11}
  output_name:
    type: string?
    doc: Name of the output file; default `<input stem>.dl2.h5`.
  overwrite:
    type: boolean
    default: true
    doc: Overwrite the output if it exists (`--overwrite`).
    inputBinding: {prefix: --overwrite, position: 12}
  dl1_parameters:
    type: boolean
    default: true
    doc: Copy the DL1 parameters to the output (`--dl1-parameters`, or `--no-dl1-parameters` when false).
    inputBinding:
      position: 13
      valueFrom: "$(self ? '--dl1-parameters' : '--no-dl1-parameters')"
  dl1_images:
    type: boolean
    default: false
    doc: Copy the DL1 images to the output (`--dl1-images`, or `--no-dl1-images` when false).
    inputBinding:
      position: 14
      valueFrom: "$(self ? '--dl1-images' : '--no-dl1-images')"
  chunk_size:
    type: int?
    doc: Subarray events loaded at once for the predictions (`--chunk-size`).
    inputBinding: {prefix: --chunk-size, position: 15}
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EQUIVALENT
    doc: |
      Focal length used by ctapipe's TableLoader to rebuild the subarray from the input file
      (`--TableLoader.focal_length_choice=...`); EQUIVALENT for files without the effective focal length.
    inputBinding:
      prefix: --TableLoader.focal_length_choice=
      separate: false
      position: 16
  log_level:
    type: string
    default: INFO
    doc: Log level of the log file (`--log-file-level`).
    inputBinding: {prefix: --log-file-level, position: 17}

  options:
    type: string[]?
    doc: |
      Further command-line options, passed as they are after the others (CTADIRAC's `job_config.options` that
      have no input of their own here; `cwl2dirac import prodsteps` fills it in).
    inputBinding: {position: 30}
outputs:
  dl2_file:
    type: File
    doc: DL2 file with the models' predictions.
    outputBinding: {glob: $(outName(inputs))}
  log:
    type: File
    doc: Log file.
    outputBinding: {glob: "$(outName(inputs).replace(/\\.h5$/, '')).log"}
  provenance_log:
    type: File
    doc: ctapipe provenance log (JSON).
    outputBinding: {glob: "$(outName(inputs).replace(/\\.h5$/, '')).provenance.log"}

hints:
  ResourceRequirement:
    coresMin: 1
    ramMin: 4000
  dirac:Software:
    package: ctapipe
    version: v0.28.0
    category: stage1
    compiler: gcc114_default
  dirac:Transformation:
    type: ApplyModel
    group_size: 1
  dirac:Job:
    cpu_time: 14400
  dirac:Metadata:
    fields:
      data_level: 2
      analysis_prog: ctapipe-apply-models
      analysis_prog_version: v0.28.0
    outputs:
      dl2_file:
        outputType: Data
      log:
        outputType: Log
      provenance_log:
        outputType: Log
