#!/usr/bin/env cwl-runner
# A sub-workflow input with a default (in1.txt) that the outer step does not give, read by an inner step input with
# a default of its own (in2.txt): cwltool fills the sub-workflow input first, so in1.txt; flattening preferred the
# inner step's default (in2.txt, exit 0). Found while fixing case 609 of differential seed 5.
cwlVersion: v1.2
class: Workflow
requirements:
  SubworkflowFeatureRequirement: {}
inputs:
  i2: File?
outputs:
  out:
    type: File
    outputSource: s2/out
steps:
  s2:
    in: {}
    out: [out]
    run:
      class: Workflow
      inputs:
        p1: {type: File?, default: {class: File, location: in1.txt}}
      outputs:
        out: {type: File, outputSource: inner/out}
      steps:
        inner:
          in:
            p1: {source: p1, default: {class: File, location: in2.txt}}
          out: [out]
          run:
            class: CommandLineTool
            inputs:
              p1: File?
            baseCommand: [sh, -c]
            arguments: ["echo got $(inputs.p1 === null ? 'null' : inputs.p1.basename) > out.txt"]
            requirements: {InlineJavascriptRequirement: {}}
            outputs:
              out: {type: File, outputBinding: {glob: out.txt}}
