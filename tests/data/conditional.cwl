cwlVersion: v1.2
class: Workflow
label: when, pickValue, linkMerge, defaults and valueFrom
requirements:
  InlineJavascriptRequirement: {}
  StepInputExpressionRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  message: string
  loud:
    type: boolean
    default: false
  extra:
    type: string
    default: from-default
outputs:
  chosen:
    type: File
    outputSource: [shout/out, whisper/out]
    pickValue: the_only_non_null
  nested:
    type:
      type: array
      items: File
    outputSource: [list_a/out, list_b/out]
    linkMerge: merge_nested
steps:
  shout:
    run: tools/echo.cwl
    when: $(inputs.loud)
    in:
      message:
        source: message
        valueFrom: $(self.toUpperCase())
      loud: loud
    out: [out]
  whisper:
    run: tools/echo.cwl
    when: $(!inputs.loud)
    in:
      message: message
      loud: loud
    out: [out]
  pick:
    run: tools/cat.cwl
    in:
      infile:
        source: [shout/out, whisper/out]
        pickValue: first_non_null
    out: [out]
  tagged:
    run: tools/echo.cwl
    in:
      message:
        default: tag
    out: [out]
  suffixed:
    run: tools/echo.cwl
    in:
      message:
        source: extra
        valueFrom: $(self + "-suffix")
    out: [out]
  list_a:
    run: tools/wc.cwl
    in:
      files:
        source: [shout/out, whisper/out]
        linkMerge: merge_flattened
        pickValue: all_non_null
    out: [out]
  list_b:
    run: tools/wc.cwl
    in:
      files:
        source: [tagged/out, suffixed/out]
        linkMerge: merge_flattened
    out: [out]
