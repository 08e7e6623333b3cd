cwlVersion: v1.2
class: Workflow
inputs:
  fs: File[]
outputs:
  out:
    type: File?[]
    outputSource: fs
steps: []
