#!/usr/bin/env cwl-runner
# A sub-workflow step input with a source (a File? workflow input, null: no job order) and a default File: cwltool
# gives the default to the inner step; flattening dropped it (the inner step got null, exit 0; differential seed 5
# case 609).
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
    in:
      p1: {source: i2, default: {class: File, location: in1.txt}}
    out: [out]
    run:
      class: Workflow
      inputs:
        p1: File?
      outputs:
        out: {type: File, outputSource: inner/out}
      steps:
        inner:
          in: {p1: p1}
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
