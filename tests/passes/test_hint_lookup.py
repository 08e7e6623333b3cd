"""dirac: hints merge field by field across levels; the nearest level wins per field."""

from pathlib import Path

from cwl2dirac.backends.dirac.backend import body_parameters
from cwl2dirac.compiler import compile_workflow

WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}
hints:
  dirac:Job: {platform: EL9, output_path: /ctao/MC, priority: 3}
inputs: {x: string}
outputs: {}
steps:
  a:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs: {x: {type: string, inputBinding: {position: 1}}}
      outputs: {out: stdout}
      hints:
        dirac:Job: {priority: 5}
    in: {x: x}
    out: [out]
    hints:
      dirac:Job: {sites: [LCG.DESY-ZEUTHEN.de]}
  b:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs: {x: {type: string, inputBinding: {position: 1}}}
      outputs: {out: stdout}
    in: {x: x}
    out: [out]
    hints:
      dirac:Job: {platform: EL8}
"""


def test_step_hint_keeps_workflow_fields_it_does_not_set(tmp_path: Path) -> None:
    path = tmp_path / "wf.cwl"
    path.write_text(WORKFLOW)
    request = compile_workflow(path)
    a, b = request.step("a"), request.step("b")
    params_a, params_b = body_parameters(a.body), body_parameters(b.body)
    assert params_a["Site"] == "LCG.DESY-ZEUTHEN.de"  # from the step
    assert params_a["Platform"] == "EL9"  # from the workflow, kept
    assert params_a["Priority"] == "5"  # the tool's value beats the workflow's
    assert params_b["Platform"] == "EL8" and params_b["Priority"] == "3"
    assert a.config.output_path == "/ctao/MC/wf/a"



METADATA_LEVELS = """\
cwlVersion: v1.2
class: Workflow
$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}
hints:
  dirac:Metadata: {fields: {campaign: wf, particle: gamma, site: LaPalma}}
inputs: {x: string}
outputs: {}
steps:
  a:
    run:
      class: CommandLineTool
      baseCommand: echo
      inputs: {x: {type: string, inputBinding: {position: 1}}}
      outputs: {out: stdout}
      hints:
        dirac:Metadata: {fields: {site: Paranal, level: DL0}}
    in: {x: x}
    out: [out]
    hints:
      dirac:Metadata: {fields: {level: DL1}}
"""


def test_metadata_merges_along_the_same_chain_as_every_dirac_hint(tmp_path: Path) -> None:
    """dirac:Metadata: step, then tool, then workflow; per key, the nearest level wins."""
    path = tmp_path / "wf.cwl"
    path.write_text(METADATA_LEVELS)
    md = compile_workflow(path, bodies=False).step("a").outputs[0].metadata
    assert md["level"] == "DL1"  # the step beats the tool
    assert md["site"] == "Paranal"  # the tool beats the workflow
    assert md["campaign"] == "wf" and md["particle"] == "gamma"  # the workflow's own keys stay
