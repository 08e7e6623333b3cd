cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  gamma: string[]
  proton: string[]
outputs: []
steps:
  sim_gamma:
    run: ../tools/echo.cwl
    in:
      message: gamma
    scatter: message
    out: [out]
  sim_proton:
    run: ../tools/echo.cwl
    in:
      message: proton
    scatter: message
    out: [out]
  pair:
    run: ../tools/paste.cwl
    in:
      first: sim_gamma/out
      second: sim_proton/out
    scatter: [first, second]
    scatterMethod: dotproduct
    out: [out]
