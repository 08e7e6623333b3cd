#!/usr/bin/env cwl-runner
# A File[][] workflow input whose default (relative locations, an empty inner array) goes straight to a workflow
# output, run without a job order.
cwlVersion: v1.2
class: Workflow
inputs:
  groups:
    type:
      type: array
      items:
        type: array
        items: File
    default:
    - - class: File
        location: a.txt
    - - class: File
        location: b.txt
      - class: File
        location: c.txt
    - []
outputs:
  groups_out:
    type:
      type: array
      items:
        type: array
        items: File
    outputSource: groups
steps: []
