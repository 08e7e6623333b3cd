cwlVersion: v1.2
class: Workflow
doc: >
  A step whose output file is empty (0 bytes, as cwltool accepts it), read by the next step beside another file,
  and a workflow output itself.
inputs:
  infile: File
outputs:
  empty:
    type: File
    outputSource: make_empty/out
  joined:
    type: File
    outputSource: join/out
steps:
  make_empty:
    run:
      class: CommandLineTool
      inputs: {}
      baseCommand: "true"
      stdout: empty.txt
      outputs: {out: stdout}
    in: {}
    out: [out]
  join:
    run:
      class: CommandLineTool
      inputs:
        first: {type: File, inputBinding: {position: 1}}
        second: {type: File, inputBinding: {position: 2}}
      baseCommand: cat
      stdout: joined.txt
      outputs: {out: stdout}
    in: {first: make_empty/out, second: infile}
    out: [out]
