#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  dirac: "https://cwl2dirac.dev/ns#"

label: Set up CTAO software from CVMFS
doc: |
  Runs CTAO's `cta-prod-setup-software -p PACKAGE -v VERSION -a CATEGORY -g COMPILER`, which checks that a
  package is available on CVMFS (/cvmfs/ctao.dpps.cta-observatory.org or the legacy /cvmfs/cta.in2p3.fr) and
  prints/prepares its environment for the following job steps.

  On the grid cwl2dirac normally emits this step itself from a `dirac:Software` hint; the tool exists so that
  the set-up can be used (and tested) as an explicit step. `cta-prod-setup-software` is part of CTADIRAC and
  is not installed locally: running this tool with cwltool fails with "command not found", as expected.

baseCommand: cta-prod-setup-software

inputs:
  package:
    type: string
    doc: Software package name on CVMFS, e.g. `ctapipe` or `corsika_simtelarray` (-p).
    inputBinding: {prefix: -p, position: 1}
  version:
    type: string
    doc: Package version, e.g. `v0.28.0` (-v).
    inputBinding: {prefix: -v, position: 2}
  category:
    type: string
    default: stage1
    doc: Software category, e.g. `stage1`, `simulations`, `analysis` (-a).
    inputBinding: {prefix: -a, position: 3}
  compiler:
    type: string
    default: gcc114_default
    doc: Compiler / build flavour, e.g. `gcc114_default` (-g).
    inputBinding: {prefix: -g, position: 4}

stdout: setup_software.log
outputs:
  log:
    type: File
    doc: What `cta-prod-setup-software` printed.
    outputBinding: {glob: setup_software.log}

hints:
  ResourceRequirement:
    coresMin: 1
    ramMin: 256
  dirac:Job:
    cpu_time: 600
  dirac:Metadata:
    fields:
      outputType: Log
