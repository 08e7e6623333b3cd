#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: ctapipe-process DL1 -> DL2
doc: |
  Reads one ctapipe HDF5 DL1 file (with image parameters) with `ctapipe-process` and adds the shower
  reconstruction (`--write-showers`; ctapipe's HillasReconstructor by default, or the reconstructors chosen
  in `config`). DL1 parameters are kept in the output (`--write-parameters`); images are copied only with
  `write_images`.

  The output is named after the input: `run1.dl1.h5` -> `run1.dl2.h5`. The tool's log and provenance log are
  outputs too.

  The input is read by ctapipe's HDF5EventSource, so the focal-length option is
  `--HDF5EventSource.focal_length_choice=...` here (the SimTelEventSource one has no effect on HDF5 input);
  DL1 files made from the LST test files need EQUIVALENT.

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        function stem(basename) {
          // run1.simtel.zst -> run1 ; run1.dl2.h5 -> run1 ; other.h5 -> other
          return basename
            .replace(/\.simtel(\.(zst|gz|bz2|xz))?$/, "")
            .replace(/\.(dl[0-9])?\.?h5$/, "");
        }

baseCommand: ctapipe-process

arguments:
  - {prefix: --output, valueFrom: "$(stem(inputs.input.basename)).dl2.h5", position: 2}
  - {prefix: --log-file, valueFrom: "$(stem(inputs.input.basename)).dl2.log", position: 3}
  - {prefix: --provenance-log, valueFrom: "$(stem(inputs.input.basename)).dl2.provenance.log", position: 4}
  - {valueFrom: --write-parameters, position: 5}
  - {valueFrom: --write-showers, position: 6}

inputs:
  input:
    type: File
    doc: ctapipe HDF5 DL1 file (`*.dl1.h5`) with image parameters.
    inputBinding: {prefix: --input, position: 1}
  config:
    type: File?
    doc: Optional ctapipe configuration file (YAML, JSON or TOML), e.g. ctapipe's `stage2_config.yaml`.
    inputBinding: {prefix: --config, position: 10}
  write_images:
    type: boolean
    default: false
    doc: Copy the DL1 images of the input, if any, to the output (`--write-images`); off by default.
    inputBinding: {prefix: --write-images, position: 11}
  overwrite:
    type: boolean
    default: true
    doc: Overwrite the output file if it exists (`--overwrite`); on by default so that retried jobs succeed.
    inputBinding: {prefix: --overwrite, position: 13}
  max_events:
    type: int?
    doc: Read at most this many events (`--max-events`); all by default.
    inputBinding: {prefix: --max-events, position: 14}
  focal_length_choice:
    type:
      - "null"
      - type: enum
        symbols: [EFFECTIVE, EQUIVALENT]
    default: EQUIVALENT
    doc: |
      Which focal length the HDF5EventSource uses (`--HDF5EventSource.focal_length_choice=...`).
      EQUIVALENT is needed for files without the effective focal length (e.g. the LST test files);
      null leaves ctapipe's default (EFFECTIVE).
    inputBinding:
      prefix: --HDF5EventSource.focal_length_choice=
      separate: false
      position: 15
  log_level:
    type: string
    default: INFO
    doc: Log level of the log file (`--log-file-level`), one of DEBUG, INFO, WARN, ERROR, CRITICAL.
    inputBinding: {prefix: --log-file-level, position: 16}

  configs:
    type:
      - "null"
      - type: array
        items: File
        inputBinding: {prefix: --config}
    doc: |
      More configuration files after `config` (each `--config F`; ctapipe reads them in order, a later one
      overriding an earlier one), as CTADIRAC's `-c a.yml -c b.yml`.
    inputBinding: {position: 10}
  options:
    type: string[]?
    doc: |
      Further command-line options, passed as they are after the others (CTADIRAC's `job_config.options` that
      have no input of their own here; `cwl2dirac import prodsteps` fills it in).
    inputBinding: {position: 30}
outputs:
  dl2_file:
    type: File
    doc: ctapipe HDF5 DL2 file (with DL1 parameters), `<input stem>.dl2.h5`.
    outputBinding:
      glob: "$(stem(inputs.input.basename)).dl2.h5"
  log:
    type: File
    doc: ctapipe-process log file.
    outputBinding:
      glob: "$(stem(inputs.input.basename)).dl2.log"
  provenance_log:
    type: File
    doc: ctapipe provenance log (JSON).
    outputBinding:
      glob: "$(stem(inputs.input.basename)).dl2.provenance.log"

hints:
  ResourceRequirement:
    coresMin: 1
    ramMin: 2000
  dirac:Software:
    package: ctapipe
    version: v0.28.0
    category: stage1
    compiler: gcc114_default
  dirac:Transformation:
    type: DataReprocessing
    group_size: 1
  dirac:Job:
    cpu_time: 7200
  dirac:Metadata:
    fields:
      data_level: 2
      analysis_prog: ctapipe-process
      analysis_prog_version: v0.28.0
    outputs:
      dl2_file:
        outputType: Data
      log:
        outputType: Log
      provenance_log:
        outputType: Log
