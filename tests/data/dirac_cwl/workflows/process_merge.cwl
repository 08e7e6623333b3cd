cwlVersion: v1.2
class: Workflow
doc: |
  Process several DL0 files (the names of the DL1 files computed by a scattered ExpressionTool from the input
  files, as in CTAO's WMS tests), then merge the DL1 files.
$namespaces:
  dirac: "../schemas/dirac-metadata.json#/$defs/"
requirements:
  ScatterFeatureRequirement: {}
hints:
  - class: dirac:ExecutionHooks
    hook_plugin: QueryBasedPlugin
    configuration: {campaign: PROD6, site: Paranal}
  - class: dirac:Scheduling
    priority: 100
inputs:
  input_files: File[]
  output_filename: string
outputs:
  merged_output: {type: File, outputSource: merge/merged}
  logs: {type: "File[]", outputSource: process/log}
steps:
  filenames:
    run: output_names.cwl
    scatter: input_file
    in: {input_file: input_files}
    out: [output_filename, log_filename]
  process:
    run: process_dl0_dl1.cwl
    hints:
      - class: dirac:ExecutionHooks
        group_size: 2
    scatter: [dl0, dl1_filename, log_filename]
    scatterMethod: dotproduct
    in:
      dl0: input_files
      dl1_filename: filenames/output_filename
      log_filename: filenames/log_filename
    out: [dl1, log]
  merge:
    run: merge.cwl
    in:
      input_files: process/dl1
      output_filename: output_filename
    out: [merged]
