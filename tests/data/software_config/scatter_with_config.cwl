#!/usr/bin/env cwl-runner
# A scatter over names beside one configuration file of the software release (software-config: in the job order).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  names: string[]
  config: File
outputs:
  results:
    type: File[]
    outputSource: use/out
steps:
  use:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "$0"; cat "$1"']
      inputs:
        name: {type: string, inputBinding: {position: 1}}
        config: {type: File, inputBinding: {position: 2}}
      outputs:
        out: {type: stdout}
      stdout: $(inputs.name).txt
    scatter: name
    in:
      name: names
      config: config
    out: [out]
