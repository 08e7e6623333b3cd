cwlVersion: v1.2
class: Workflow
doc: A workflow input's default reaches the step (the tool has a default of its own, which must not win).
inputs:
  x: {type: int, default: 3}
  label: {type: string, default: from-workflow}
outputs:
  o: {type: string, outputSource: show/o}
  f: {type: File, outputSource: write/out}
steps:
  show:
    run:
      class: ExpressionTool
      requirements: {InlineJavascriptRequirement: {}}
      inputs: {x: {type: int, default: 7}}
      outputs: {o: string}
      expression: '$({"o": String(inputs.x)})'
    in: {x: x}
    out: [o]
  write:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments: ['echo "$0" > label.txt', $(inputs.label)]
      inputs: {label: string}
      outputs:
        out: {type: File, outputBinding: {glob: label.txt}}
    in: {label: label}
    out: [out]
