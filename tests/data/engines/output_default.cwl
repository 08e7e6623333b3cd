cwlVersion: v1.2
class: Workflow
label: a workflow output picks between a conditional step's output and a workflow input left to its default
requirements:
  InlineJavascriptRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  loud: boolean
  fallback:
    type: string
    default: quiet please
  size:
    type: int
    default: 7
outputs:
  said:
    type: File
    outputSource: [say/out, fallback_file/out]
    pickValue: first_non_null
  label:
    type: string
    outputSource: fallback
  size_out:
    type: int
    outputSource: size
steps:
  say:
    run: tools/echo.cwl
    when: $(inputs.loud)
    in:
      message: {default: LOUD}
      loud: loud
    out: [out]
  fallback_file:
    run: tools/echo.cwl
    when: $(!inputs.loud)
    in:
      message: fallback
      loud: loud
    out: [out]
