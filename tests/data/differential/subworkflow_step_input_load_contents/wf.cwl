cwlVersion: v1.2
class: Workflow
requirements:
  SubworkflowFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  i1: File
outputs:
  from_step: {type: File, outputSource: s1/out}
  from_subworkflow_input: {type: File, outputSource: s2/out}
steps:
  # loadContents on the sub-workflow step's input: the inner tool sees the File's contents
  s1:
    in: {p1: {source: i1, loadContents: true}}
    out: [out]
    run:
      class: Workflow
      inputs: {p1: File}
      outputs: {out: {type: File, outputSource: inner/out}}
      steps:
        inner:
          in: {p1: p1}
          out: [out]
          run: &show
            class: CommandLineTool
            requirements: {InlineJavascriptRequirement: {}}
            inputs: {p1: File}
            arguments: [echo, "contents=$(inputs.p1.contents)"]
            stdout: out.txt
            outputs: {out: stdout}
  # loadContents on the sub-workflow's own input parameter
  s2:
    in: {p1: i1}
    out: [out]
    run:
      class: Workflow
      inputs: {p1: {type: File, loadContents: true}}
      outputs: {out: {type: File, outputSource: inner/out}}
      steps:
        inner:
          in: {p1: p1}
          out: [out]
          run: *show
