cwlVersion: v1.2
class: Workflow
label: dirac hints on steps and workflow
$namespaces:
  dirac: https://cwl2dirac.dev/ns#
requirements:
  ScatterFeatureRequirement: {}
hints:
  dirac:MetadataFields:
    fields: {camera: varchar, zenith: float}
  dirac:Job:
    platform: EL9
    output_path: /ctao/MC/test
inputs:
  message: string
outputs:
  result:
    type: File
    outputSource: merge/out
steps:
  simulate:
    run: tools/echo.cwl
    in:
      message: message
    out: [out]
    hints:
      dirac:Metadata:
        fields: {particle: gamma, zenith: 20}
        outputs:
          out: {data_level: 0, outputType: Data}
      dirac:Software:
        package: simpipe
        version: v0.16.0
        category: simulations
  merge:
    run: tools/cat.cwl
    in:
      infile: simulate/out
    out: [out]
    hints:
      dirac:Metadata:
        fields: {particle: gamma, data_level: 1, camera: LST}
      dirac:Transformation:
        type: Merging
        plugin: BySize
        group_size: 25
        agent_type: Manual
        max_retries: 4
      dirac:Job:
        priority: 7
        sites: [LCG.CNAF.it]
        cpu_time: 3600
