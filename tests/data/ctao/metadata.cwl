cwlVersion: v1.2
class: Workflow
$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}
requirements: {ScatterFeatureRequirement: {}}
hints:
  dirac:InputData:
    inputs: {files: {site: Paranal, particle: proton, moon: dark, data_level: 0}}
  dirac:Metadata:
    fields: {MCCampaign: PROD6, configuration_id: 16}
  dirac:Job: {output_path: /ctao/tests, lfn_layout: ctadirac}
inputs:
  files: File[]
outputs:
  sizes: {type: "File[]", outputSource: count/out}
  total: {type: File, outputSource: total/out}
steps:
  count:
    run:
      class: CommandLineTool
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      baseCommand: [wc, -c]
      stdout: $(inputs.f.nameroot).n
      outputs: {out: stdout}
    scatter: f
    in: {f: files}
    out: [out]
    hints:
      dirac:Metadata:
        fields: {analysis_prog: wc, analysis_prog_version: "9.1", data_level: 1, outputType: Data}
  total:
    run:
      class: CommandLineTool
      inputs: {files: {type: "File[]", inputBinding: {position: 1}}}
      baseCommand: cat
      stdout: total.txt
      outputs: {out: stdout}
    in: {files: count/out}
    out: [out]
    hints:
      dirac:Transformation: {input_query: {moon: dark}}
      dirac:Metadata:
        fields: {analysis_prog: cat, merged: 1}
        inherit: [site, nsb, data_level]
