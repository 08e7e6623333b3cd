cwlVersion: v1.2
class: CommandLineTool
label: reads a record holding Files (one with a secondary file); writes a record holding Files
requirements:
  InlineJavascriptRequirement: {}
inputs:
  rec:
    type:
      type: record
      name: Sample
      fields:
        reads:
          type: File
          secondaryFiles: [.idx]
        name: string
        refs: File[]
baseCommand: [bash, -c]
arguments:
  - |
    set -e
    {
      read n < "$(inputs.rec.reads.path).idx"
      echo "$(inputs.rec.name): $(inputs.rec.reads.basename) has $n lines"
      for r in $(inputs.rec.refs.map(function(f) { return '"' + f.path + '"'; }).join(' ')); do wc -l < "$r"; done
    } > "$(inputs.rec.name).txt"
    cp "$(inputs.rec.reads.path)" copy.dat
    cp "$(inputs.rec.reads.path).idx" copy.dat.idx
outputs:
  report:
    type:
      type: record
      name: Report
      fields:
        text:
          type: File
          outputBinding: {glob: $(inputs.rec.name).txt}
        data:
          type: File
          secondaryFiles: [.idx]
          outputBinding: {glob: copy.dat}
        name:
          type: string
          outputBinding: {outputEval: $(inputs.rec.name)}
