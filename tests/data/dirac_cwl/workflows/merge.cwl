cwlVersion: v1.2
class: CommandLineTool
doc: Stand-in for ctapipe-merge (concatenates its inputs).
$namespaces:
  dirac: "../schemas/dirac-metadata.json#/$defs/"
hints:
  - class: dirac:ExecutionHooks
    hook_plugin: QueryBasedPlugin
    output_paths: {merged: "lfn:/ctao/tests/merged"}
    output_se: [DESY-ZN-Disk, PIC-Disk]
    output_sandbox: [log]
inputs:
  input_files: {type: "File[]", inputBinding: {position: 1}}
  output_filename: string
baseCommand: cat
stdout: $(inputs.output_filename)
outputs:
  merged: {type: stdout}
