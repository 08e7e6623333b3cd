cwlVersion: v1.2
class: Workflow
label: job-order inputs with secondary files, found by the input's pattern and given explicitly
inputs:
  ref:
    type: File
    secondaryFiles: [.idx]
  samples:
    type: File[]
outputs:
  ref_out:
    type: File
    outputSource: ref
  used:
    type: File
    outputSource: use/out
  summary:
    type: File
    outputSource: gather/out
steps:
  use:
    run: use_index.cwl
    in: {f: ref}
    out: [out]
  gather:
    run: use_all.cwl
    in: {files: samples}
    out: [out]
