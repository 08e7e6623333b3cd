cwlVersion: v1.2
class: Workflow
doc: An ExpressionTool (folded when compiling) gives a File a new basename; the next step stages it under that name.
requirements: {InlineJavascriptRequirement: {}}
inputs:
  f1:
    type: File
    default: {class: File, location: conf.txt}
  newname: {type: string, default: renamed_by_fold.txt}
outputs:
  out: {type: File, outputSource: show/out}
steps:
  rename:
    run:
      class: ExpressionTool
      inputs: {f1: File, newname: string}
      outputs: {out: File}
      expression: '${ inputs.f1.basename = inputs.newname; return {"out": inputs.f1}; }'
    in: {f1: f1, newname: newname}
    out: [out]
  show:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'basename "$0" > shown.txt; cat "$0" >> shown.txt']
      inputs:
        p: {type: File, inputBinding: {position: 1}}
      outputs:
        out: {type: File, outputBinding: {glob: shown.txt}}
    in: {p: rename/out}
    out: [out]
