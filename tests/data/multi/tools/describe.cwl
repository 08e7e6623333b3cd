cwlVersion: v1.2
class: CommandLineTool
doc:
  $include: describe.txt
requirements:
  SchemaDefRequirement:
    types:
      - $import: ../types/particles.yml
  InlineJavascriptRequirement: {}
baseCommand: echo
inputs:
  particle:
    type: ../types/particles.yml#Particle
    inputBinding: {position: 1}
  pointing:
    type: ../types/particles.yml#Pointing
    inputBinding:
      position: 2
      valueFrom: $(self.zenith)
stdout: description.txt
outputs:
  out: stdout
