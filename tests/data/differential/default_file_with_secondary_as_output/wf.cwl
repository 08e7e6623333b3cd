#!/usr/bin/env cwl-runner
# A workflow input's default File with a required secondary file, given straight to a workflow output and to a
# step, run without a job order (the step prints the file and its secondary file).
cwlVersion: v1.2
class: Workflow
inputs:
  ref:
    type: File
    secondaryFiles:
    - pattern: .idx
      required: true
    default:
      class: File
      location: in1.txt
outputs:
  ref_out:
    type: File
    secondaryFiles:
    - pattern: .idx
      required: true
    outputSource: ref
  counted:
    type: File
    outputSource: count/out
steps:
  count:
    run:
      class: CommandLineTool
      baseCommand: [cat]
      stdout: count.txt
      inputs:
        f:
          type: File
          secondaryFiles: [.idx]
          inputBinding: {position: 1}
      arguments:
      - valueFrom: $(inputs.f.secondaryFiles[0].path)
        position: 2
      requirements: [{class: InlineJavascriptRequirement}]
      outputs:
        out: {type: stdout}
    in: {f: ref}
    out: [out]
