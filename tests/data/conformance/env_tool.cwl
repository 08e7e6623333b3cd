cwlVersion: v1.2
class: CommandLineTool
doc: Prints $TEST_ENV, which its own EnvVarRequirement sets and a job order's cwl:requirements overrides (conformance 230-232).
requirements:
  EnvVarRequirement:
    envDef: {TEST_ENV: "from the tool"}
inputs:
  in: string
outputs:
  out: stdout
stdout: env.txt
baseCommand: ["/bin/sh", "-c", "echo $TEST_ENV"]
