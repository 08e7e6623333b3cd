cwlVersion: v1.2
class: CommandLineTool
inputs:
  f: File
outputs:
  out: stdout
stdout: cat.txt
baseCommand: cat
arguments: [$(inputs.f.path)]
