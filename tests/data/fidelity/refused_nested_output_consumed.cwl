cwlVersion: v1.2
class: Workflow
doc: A nested_crossproduct's File outputs (arrays of arrays) given to another step, which gets its input files flat.
requirements: {ScatterFeatureRequirement: {}}
inputs:
  firsts: string[]
  seconds: string[]
outputs:
  count: {type: File, outputSource: count/out}
steps:
  pair:
    run: pair.cwl
    scatter: [a, b]
    scatterMethod: nested_crossproduct
    in: {a: firsts, b: seconds}
    out: [file]
  count:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs:
        files: {type: {type: array, items: {type: array, items: File}}}
      stdout: count.txt
      outputs: {out: stdout}
    in: {files: pair/file}
    out: [out]
