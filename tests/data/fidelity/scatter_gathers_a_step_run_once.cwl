#!/usr/bin/env cwl-runner
# A scattered sub-workflow whose step 'stamp' takes no element of the scatter, and whose output the sub-workflow
# gives: cwltool runs 'stamp' once per element and gathers [stamp, stamp, stamp]; one run cannot make that array.
# Its output 'tag' passes the non-scattered input 'label' through: cwltool gathers [label, label, label].
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  SubworkflowFeatureRequirement: {}
inputs:
  names:
    type: string[]
    default: [a, b, c]
  label:
    type: string
    default: x
outputs:
  stamps:
    type: File[]
    outputSource: each/stamp_out
  tags:
    type: string[]
    outputSource: each/tag
steps:
  each:
    scatter: name
    in: {name: names, label: label}
    out: [stamp_out, tag]
    run:
      class: Workflow
      inputs:
        name: string
        label: string
      outputs:
        stamp_out: {type: File, outputSource: stamp/out}
        tag: {type: string, outputSource: label}
      steps:
        stamp:
          in: {word: label}
          out: [out]
          run:
            class: CommandLineTool
            baseCommand: echo
            stdout: stamp.txt
            inputs:
              word: {type: string, inputBinding: {position: 1}}
            outputs:
              out: {type: stdout}
