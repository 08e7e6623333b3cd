#!/usr/bin/env cwl-runner
# A sub-workflow step scattered over 'one' (the files made by step 'make') with another input 'all' taking the same
# files whole: the inner step's 'all' was taken for a per-element value (its source is the scattered input's) and
# scattered too, a type error at compile time (expects File[][], exit 1) where cwltool runs it (differential seed 5
# cases 981-982).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  SubworkflowFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  runs: int[]
outputs:
  listings:
    type: File[]
    outputSource: each/listing
steps:
  make:
    in: {run: runs}
    scatter: run
    out: [file]
    run:
      class: CommandLineTool
      inputs: {run: int}
      baseCommand: [sh, -c]
      arguments: ["echo run $(inputs.run) > run_$(inputs.run).txt"]
      outputs:
        file: {type: File, outputBinding: {glob: "run_*.txt"}}
  each:
    in: {one: make/file, all: make/file}
    scatter: one
    out: [listing]
    run:
      class: Workflow
      inputs:
        one: File
        all: File[]
      outputs:
        listing: {type: File, outputSource: list/out}
      steps:
        list:
          in: {one: one, all: all}
          out: [out]
          run:
            class: CommandLineTool
            inputs:
              one: File
              all: File[]
            baseCommand: [sh, -c]
            arguments:
              - >-
                echo '$(inputs.one.basename) of $(inputs.all.map(function (f) { return f.basename; }).join(","))'
                > listing_$(inputs.one.nameroot).txt
            outputs:
              out: {type: File, outputBinding: {glob: "listing_*.txt"}}
