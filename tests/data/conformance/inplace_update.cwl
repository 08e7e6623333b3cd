cwlVersion: v1.2
class: Workflow
doc: >
  A step updates a file in place that another step also reads (conformance 237, 238): cwltool shows the reader
  the new content; a catalog's files are never modified, so it is refused (exit 33).
inputs: []
outputs:
  before: {type: File, outputSource: make/out}
  after: {type: File, outputSource: update/out}
steps:
  make:
    in: []
    out: [out]
    run:
      class: CommandLineTool
      inputs: []
      outputs: {out: stdout}
      stdout: value.txt
      baseCommand: [echo, "3"]
  update:
    in: {f: make/out}
    out: [out]
    run:
      class: CommandLineTool
      requirements:
        InplaceUpdateRequirement: {inplaceUpdate: true}
        InitialWorkDirRequirement:
          listing: [{entry: $(inputs.f), writable: true}]
      inputs: {f: File}
      outputs:
        out: {type: File, outputBinding: {glob: $(inputs.f.basename)}}
      arguments: [sh, -c, "echo 4 > $(inputs.f.basename)"]
