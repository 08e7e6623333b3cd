#!/usr/bin/env cwl-runner
# A File[][] given through linkMerge: merge_flattened of its one source to a File[][] input: merge_flattened splices
# the source's array, whose items are arrays of files still (cwltool gives the tool [[a, b], [c]]). The plan took it
# for flattened to File[] and let it through; the tasks were formed from the files and failed ("the value File
# 'c.txt' is not a list", exit 1; differential seed 6 cases 1466-1469). Now refused (33) as any nested file array.
cwlVersion: v1.2
class: Workflow
requirements:
  MultipleInputFeatureRequirement: {}
inputs:
  groups:
    type: {type: array, items: {type: array, items: File}}
    default: [[{class: File, location: a.txt}, {class: File, location: b.txt}], [{class: File, location: c.txt}]]
outputs:
  sizes: {type: File, outputSource: count/sizes}
steps:
  count:
    run:
      class: CommandLineTool
      requirements: {InlineJavascriptRequirement: {}}
      baseCommand: [echo]
      arguments:
        - $(inputs.groups.map(function(g) { return g.length; }).join(","))
      inputs:
        groups: {type: {type: array, items: {type: array, items: File}}}
      outputs: {sizes: stdout}
      stdout: sizes.txt
    in:
      groups: {source: [groups], linkMerge: merge_flattened}
    out: [sizes]
