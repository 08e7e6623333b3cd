cwlVersion: v1.2
class: Workflow
doc: >
  A sub-workflow scattered flat_crossproduct over x and y whose step takes x alone: cwltool runs it once per
  combination (6 times here); its tasks could not tell the combinations apart.
requirements: {ScatterFeatureRequirement: {}, SubworkflowFeatureRequirement: {}}
inputs:
  xs: string[]
  ys: string[]
outputs:
  out: {type: 'File[]', outputSource: each/out}
steps:
  each:
    run:
      class: Workflow
      inputs: {x: string, y: string}
      outputs:
        out: {type: File, outputSource: pair/file}
      steps:
        pair:
          run: pair.cwl
          in: {a: x, b: {default: "-"}}
          out: [file]
    scatter: [x, y]
    scatterMethod: flat_crossproduct
    in: {x: xs, y: ys}
    out: [out]
