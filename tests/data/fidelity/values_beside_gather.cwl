cwlVersion: v1.2
class: Workflow
doc: A scatter over values beside the gathered outputs of a scattered step (every element takes all of them).
requirements: {ScatterFeatureRequirement: {}}
inputs:
  names: string[]
  parts: string[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: count/out}
steps:
  make:
    run: tag.cwl
    scatter: name
    in: {name: parts, conf: conf}
    out: [out]
  count:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments: ['cat "$@" | wc -l > "$0.count"', $(inputs.name)]
      inputs:
        name: string
        files: {type: 'File[]', inputBinding: {position: 1}}
      outputs:
        out: {type: File, outputBinding: {glob: "*.count"}}
    scatter: name
    in: {name: names, files: make/out}
    out: [out]
