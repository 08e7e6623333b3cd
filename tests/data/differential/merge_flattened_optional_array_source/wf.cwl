#!/usr/bin/env cwl-runner
# One optional array source (string[]?) merged flattened into an input of type (string[]?)[]: cwltool's checker
# reads each member of the union (null or string[] -> null or string items) and runs it (with [] it is valid);
# cwl2dirac refused it at compile time ("expects string[]?[] but its source i1 gives string[]", exit 1).
cwlVersion: v1.2
class: Workflow
requirements:
  MultipleInputFeatureRequirement: {}
inputs:
  names:
    type: string[]?
    default: []
outputs:
  out:
    type: File
    outputSource: count/out
steps:
  count:
    in:
      names: {source: [names], linkMerge: merge_flattened}
    out: [out]
    run:
      class: CommandLineTool
      requirements:
        InlineJavascriptRequirement: {}
      inputs:
        names: {type: {type: array, items: ["null", {type: array, items: string}]}}
      baseCommand: [echo]
      arguments: ["$(inputs.names.length) names"]
      stdout: count.txt
      outputs:
        out: {type: File, outputBinding: {glob: count.txt}}
