#!/usr/bin/env cwl-runner
# A step scattered over values with `when` (here the 2nd of 3 elements skipped); another step gathers its File and
# int outputs: cwltool gives it [f, null, f] and [n, null, n]. (Both arrived without the null: [f, f], [n, n].)
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  runs: int[]
outputs:
  listing:
    type: File
    outputSource: gather/out
  counts:
    type: {type: array, items: ["null", int]}
    outputSource: simulate/size
steps:
  simulate:
    in: {run: runs}
    scatter: run
    when: $(inputs.run != 2)
    out: [file, size]
    run:
      class: CommandLineTool
      inputs: {run: int}
      baseCommand: [sh, -c]
      arguments: ["echo run $(inputs.run) > run_$(inputs.run).txt"]
      outputs:
        file: {type: File, outputBinding: {glob: "run_*.txt"}}
        size: {type: int, outputBinding: {glob: "run_*.txt", outputEval: "$(self[0].size)"}}
  gather:
    in: {files: simulate/file, sizes: simulate/size}
    out: [out]
    run:
      class: CommandLineTool
      requirements:
        InlineJavascriptRequirement: {}
      inputs:
        files: {type: {type: array, items: ["null", File]}}
        sizes: {type: {type: array, items: ["null", int]}}
      baseCommand: [sh, -c]
      arguments:
        - >-
          echo '$(JSON.stringify(inputs.files.map(function (f) { return f === null ? null : f.basename; })))'
          '$(JSON.stringify(inputs.sizes))' > listing.txt
      stdout: ignored.txt
      outputs:
        out: {type: File, outputBinding: {glob: listing.txt}}
