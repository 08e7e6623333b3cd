#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: ctapipe-merge
doc: |
  Merges several ctapipe HDF5 files (DL1 or DL2) of the same telescope layout into one with `ctapipe-merge`.
  The input files are given as positional arguments (`ctapipe-merge file1.h5 file2.h5 --output out.h5`;
  `--input-dir`/`--pattern` is the other, directory-based way, not used here).

  The output is `output_name` if given, otherwise named after the first input:
  `run1.dl1.h5` -> `run1_merged.dl1.h5` (`run1.h5` -> `run1_merged.h5`), so that merge tasks on the grid
  do not all produce the same file name.

  ctapipe-merge refuses inputs of different telescope layouts and inputs holding the same observation id
  (unless `single_ob`, for chunks of one observation block).

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        function mergedName(files) {
          var b = files[0].basename;
          if (/\.dl[0-9]\.h5$/.test(b)) { return b.replace(/\.(dl[0-9])\.h5$/, "_merged.$1.h5"); }
          return b.replace(/\.h5$/, "") + "_merged.h5";
        }
        function outName(inputs) {
          return inputs.output_name ? inputs.output_name : mergedName(inputs.input_files);
        }
        function sideName(inputs, suffix) {
          // merged file name without .h5, plus suffix: run1_merged.dl1.log
          return outName(inputs).replace(/\.h5$/, "") + suffix;
        }

baseCommand: ctapipe-merge

arguments:
  - prefix: --output
    valueFrom: "$(outName(inputs))"
    position: 1
  - prefix: --log-file
    valueFrom: "$(sideName(inputs, '.log'))"
    position: 2
  - prefix: --provenance-log
    valueFrom: "$(sideName(inputs, '.provenance.log'))"
    position: 3

inputs:
  input_files:
    type: File[]
    doc: ctapipe HDF5 files to merge (positional arguments, in this order).
    inputBinding: {position: 20}
  output_name:
    type: string?
    doc: Name of the merged file; default `<first input stem>_merged.<level>.h5`.
  overwrite:
    type: boolean
    default: true
    doc: Overwrite the output if it exists (`--overwrite`).
    inputBinding: {prefix: --overwrite, position: 10}
  telescope_events:
    type: boolean
    default: true
    doc: Keep telescope-wise data (`--telescope-events`, or `--no-telescope-events` when false).
    inputBinding:
      position: 11
      valueFrom: "$(self ? '--telescope-events' : '--no-telescope-events')"
  dl1_images:
    type: boolean
    default: true
    doc: Keep DL1 images if present (`--dl1-images`, or `--no-dl1-images` when false).
    inputBinding:
      position: 12
      valueFrom: "$(self ? '--dl1-images' : '--no-dl1-images')"
  single_ob:
    type: boolean
    default: false
    doc: Inputs are chunks of the same observation block (`--single-ob`).
    inputBinding: {prefix: --single-ob, position: 13}
  skip_broken_files:
    type: boolean
    default: false
    doc: Skip unreadable/incompatible inputs instead of failing (`--MergeTool.skip_broken_files=True`).
    inputBinding:
      position: 14
      valueFrom: "$(self ? '--MergeTool.skip_broken_files=True' : null)"
  log_level:
    type: string
    default: INFO
    doc: Log level of the log file (`--log-file-level`).
    inputBinding: {prefix: --log-file-level, position: 15}

  true_images:
    type: boolean?
    doc: Keep the true (simulated) images (`--true-images`, or `--no-true-images` when false); ctapipe's default when null.
    inputBinding:
      position: 12
      valueFrom: "$(self === null ? null : (self ? '--true-images' : '--no-true-images'))"
  options:
    type: string[]?
    doc: |
      Further command-line options, passed as they are after the others (CTADIRAC's `job_config.options` that
      have no input of their own here; `cwl2dirac import prodsteps` fills it in).
    inputBinding: {position: 19}
outputs:
  merged_file:
    type: File
    doc: The merged HDF5 file.
    outputBinding:
      glob: "$(outName(inputs))"
  log:
    type: File
    doc: ctapipe-merge log file.
    outputBinding:
      glob: "$(sideName(inputs, '.log'))"
  provenance_log:
    type: File
    doc: ctapipe provenance log (JSON).
    outputBinding:
      glob: "$(sideName(inputs, '.provenance.log'))"

hints:
  ResourceRequirement:
    coresMin: 1
    ramMin: 4000
    outdirMin: 20000
  dirac:Software:
    package: ctapipe
    version: v0.28.0
    category: stage1
    compiler: gcc114_default
  dirac:Transformation:
    type: Merging
  dirac:Job:
    cpu_time: 14400
  dirac:Metadata:
    fields:
      analysis_prog: ctapipe-merge
      analysis_prog_version: v0.28.0
      merged: 1
    outputs:
      merged_file:
        outputType: Data
      log:
        outputType: Log
      provenance_log:
        outputType: Log
