cwlVersion: v1.2
class: Workflw
inputs: []
outputs: []
steps: []
