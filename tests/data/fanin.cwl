cwlVersion: v1.2
class: Workflow
label: two simulations joined by one step
requirements:
  InlineJavascriptRequirement: {}
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  gamma_message: string
  proton_message: string
outputs:
  joined:
    type: File
    outputSource: join/out
  counted:
    type: File
    outputSource: count/out
steps:
  gamma:
    run: tools/echo.cwl
    in:
      message: gamma_message
    out: [out]
  proton:
    run: tools/echo.cwl
    in:
      message: proton_message
    out: [out]
  join:
    run: tools/paste.cwl
    in:
      first: gamma/out
      second: proton/out
    out: [out]
  count:
    run: tools/wc.cwl
    in:
      files:
        source: [gamma/out, proton/out]
        linkMerge: merge_flattened
    out: [out]
