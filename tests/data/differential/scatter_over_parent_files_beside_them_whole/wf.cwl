#!/usr/bin/env cwl-runner
# A step scattered over the files of step 'make' with another input taking those files whole: its tasks were made as
# the files came, so a task saw only the files registered so far (with -j 2, often 2 of 3; exit 0). The side
# input's producer is now in `after` even when it is a parent (found with seed 5 case 981's regression).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  runs: int[]
outputs:
  listings:
    type: File[]
    outputSource: each/out
steps:
  make:
    in:
      run: runs
    scatter: run
    out:
    - file
    run:
      class: CommandLineTool
      inputs:
        run: int
      baseCommand:
      - sh
      - -c
      arguments:
      - echo run $(inputs.run) > run_$(inputs.run).txt
      outputs:
        file:
          type: File
          outputBinding:
            glob: run_*.txt
  each:
    in:
      one: make/file
      all: make/file
    scatter: one
    out:
    - out
    run:
      class: CommandLineTool
      inputs:
        one: File
        all: File[]
      baseCommand:
      - sh
      - -c
      arguments:
      - echo '$(inputs.one.basename) of $(inputs.all.map(function (f) { return f.basename;
        }).join(","))' > listing_$(inputs.one.nameroot).txt
      outputs:
        out:
          type: File
          outputBinding:
            glob: listing_*.txt
