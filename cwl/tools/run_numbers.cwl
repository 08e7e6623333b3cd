#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: ExpressionTool
label: Run numbers first_run .. first_run + n_runs - 1
doc: |
  Turns a number of runs into the list of run numbers a simulation step scatters over (one task per run).
  cwl2dirac evaluates it when compiling (its inputs are workflow inputs), so the simulation step becomes one
  MCSimulation transformation with n_runs tasks whose task number picks the run number; cwltool evaluates it
  as any ExpressionTool.
requirements:
  InlineJavascriptRequirement: {}
inputs:
  n_runs:
    type: int
    doc: Number of runs.
  first_run:
    type: int
    default: 1
    doc: Number of the first run.
outputs:
  run_numbers:
    type: int[]
    doc: The run numbers, in order.
expression: |
  ${
    var runs = [];
    for (var i = 0; i < inputs.n_runs; i++) { runs.push(inputs.first_run + i); }
    return {"run_numbers": runs};
  }
