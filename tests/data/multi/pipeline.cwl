cwlVersion: v1.2
class: Workflow
label: tools from another folder, imported types
requirements:
  SchemaDefRequirement:
    types:
      - $import: types/particles.yml
inputs:
  particle: types/particles.yml#Particle
  pointing: types/particles.yml#Pointing
outputs:
  copied:
    type: File
    outputSource: copy_b/out
steps:
  describe:
    run: tools/describe.cwl
    in:
      particle: particle
      pointing: pointing
    out: [out]
  copy_a:
    run: ../tools/cat.cwl
    in:
      infile: describe/out
    out: [out]
  copy_b:
    run: ../tools/cat.cwl
    in:
      infile: copy_a/out
    out: [out]
  copy_c:
    run: ../tools/cat.cwl
    in:
      infile: copy_a/out
    out: [out]
