cwlVersion: v1.2
class: Workflow
label: conditional steps (when) with pickValue, in step inputs and in workflow outputs
requirements:
  InlineJavascriptRequirement: {}
  MultipleInputFeatureRequirement: {}
inputs:
  loud: boolean
  message: string
outputs:
  shouted:
    type: File?
    outputSource: shout/out
  whispered:
    type: File?
    outputSource: whisper/out
  lines:
    type: int
    outputSource: [shout_count/n, whisper_count/n]
    pickValue: the_only_non_null
  all_lines:
    type: int[]
    outputSource: [shout_count/n, whisper_count/n]
    pickValue: all_non_null
  raw_lines:
    type: {type: array, items: ['null', int]}
    outputSource: [shout_count/n, whisper_count/n]
  first_lines:
    type: int
    outputSource: [whisper_count/n, shout_count/n]
    pickValue: first_non_null
  tag:
    type: File
    outputSource: [tag_loud/out, tag_quiet/out]
    pickValue: the_only_non_null
  sorted:
    type: File
    outputSource: sort/out
steps:
  say:
    run: tools/echo.cwl
    in: {message: message}
    out: [out]
  shout:
    run: tools/upper.cwl
    when: $(inputs.loud)
    in:
      infile: say/out
      loud: loud
    out: [out]
  whisper:
    run: tools/sort.cwl
    when: $(!inputs.loud)
    in:
      infile: say/out
      loud: loud
    out: [out]
  shout_count:
    run: tools/wc.cwl
    when: $(inputs.loud)
    in:
      infile: shout/out
      loud: loud
    out: [n]
  whisper_count:
    run: tools/wc.cwl
    when: $(inputs.infile !== null)
    in:
      infile: whisper/out
    out: [n]
  tag_loud:
    run: tools/echo.cwl
    when: $(inputs.loud)
    in:
      message: {default: LOUD}
      loud: loud
    out: [out]
  tag_quiet:
    run: tools/echo.cwl
    when: $(!inputs.loud)
    in:
      message: {default: quiet}
      loud: loud
    out: [out]
  sort:
    run: tools/sort.cwl
    in:
      infile:
        source: [shout/out, whisper/out]
        pickValue: first_non_null
    out: [out]
