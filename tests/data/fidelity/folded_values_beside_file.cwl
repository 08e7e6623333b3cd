cwlVersion: v1.2
class: Workflow
doc: The values come from a scattered ExpressionTool (folded when compiling), the File is shared.
requirements: {ScatterFeatureRequirement: {}, InlineJavascriptRequirement: {}}
inputs:
  runs: int[]
  conf: File
outputs:
  out: {type: 'File[]', outputSource: tag/out}
steps:
  name:
    run:
      class: ExpressionTool
      inputs: {run: int}
      outputs: {name: string}
      expression: '$({"name": "run" + inputs.run})'
    scatter: run
    in: {run: runs}
    out: [name]
  tag:
    run: tag.cwl
    scatter: name
    in: {name: name/name, conf: conf}
    out: [out]
