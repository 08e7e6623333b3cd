cwlVersion: v1.2
class: Workflow
inputs:
  name: string
outputs:
  out: {type: Directory, outputSource: make/out}
steps:
  make:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'mkdir -p outdir/sub && echo "$0" > outdir/a.txt && echo deep > outdir/sub/b.txt']
      arguments: [$(inputs.name)]
      inputs:
        name: string
      outputs:
        out: {type: Directory, outputBinding: {glob: outdir}}
    in: {name: name}
    out: [out]
