"""Hint vocabularies: cwl2dirac's own (strict), dirac-cwl's (mapped, one info line each), unknown (a warning)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cwl2dirac.errors import ValidationError
from cwl2dirac.loader import load
from cwl2dirac.loader.vocabularies import DIRAC_CWL, vocabulary
from cwl2dirac.passes.hint_lookup import effective_hint

TOOL = """cwlVersion: v1.2
class: CommandLineTool
{namespaces}
hints:
{hints}
inputs: []
baseCommand: [touch, file1]
outputs:
  output1: {{type: File, outputBinding: {{glob: "file1*"}}}}
"""
DIRAC_CWL_NS = '$namespaces: {dirac: "../../schemas/dirac-metadata.json#/$defs/"}'


def _load(tmp_path: Path, hints: str, namespaces: str = DIRAC_CWL_NS):
    path = tmp_path / "wf" / "sub" / "t.cwl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TOOL.format(namespaces=namespaces, hints=hints))
    return load(path)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def caplog():  # the loader's hint messages (its own logger: other tests may configure the root's handlers)
    logger = logging.getLogger("cwl2dirac.hints")
    recorder, level = _Recorder(), logger.level
    logger.addHandler(recorder)
    logger.setLevel(logging.INFO)
    yield recorder
    logger.removeHandler(recorder)
    logger.setLevel(level)


def _messages(caplog) -> list[tuple[str, str]]:
    # by number: DIRAC renames the WARNING level "WARN" once it is imported
    names = {logging.INFO: "INFO", logging.WARNING: "WARNING"}
    return [(names.get(r.levelno, "?"), r.getMessage().split(": ", 1)[1]) for r in caplog.records]


def test_vocabulary_by_declared_namespace() -> None:
    ours = {"dirac": "https://cwl2dirac.dev/ns#"}
    theirs = {"dirac": "../../schemas/dirac-metadata.json#/$defs/"}
    assert vocabulary("dirac:Job", ours) == ("cwl2dirac", "Job")
    assert vocabulary("dirac:Scheduling", ours) == ("cwl2dirac", "Scheduling")  # misspelt in our namespace
    assert vocabulary("dirac:Scheduling", theirs) == ("dirac-cwl", "Scheduling")
    assert vocabulary("dirac:Job", theirs) == ("unknown", "Job")
    assert vocabulary("dirac:Scheduling", {}) == ("dirac-cwl", "Scheduling")
    assert vocabulary("dirac:Job", {}) == ("cwl2dirac", "Job")
    assert vocabulary("https://cwl2dirac.dev/ns#Job", {}) == ("cwl2dirac", "Job")
    assert vocabulary("cwltool:Secrets", {"cwltool": "http://commonwl.org/cwltool#"}) == ("cwltool", "Secrets")
    assert vocabulary("arv:RuntimeConstraints", {"arv": "http://arvados.org/cwl#"}) == ("unknown", "RuntimeConstraints")


def test_dirac_cwl_hints_are_mapped(tmp_path: Path, caplog) -> None:
    wf = _load(
        tmp_path,
        """  - class: dirac:ExecutionHooks
    hook_plugin: QueryBasedPlugin
    configuration: {campaign: PROD5, site: LaPalma, num_points: 10}
    output_paths: {output1: "lfn:/test/output"}
    output_se: [SE-A, SE-B]
    output_sandbox: [output1]
    group_size: 5
  - class: dirac:Scheduling
    platform: x86_64
    priority: 100
    sites: CTAO.DESY-ZN.de, CTAO.PIC.es
  - class: dirac:Production
    input_dataset_plugin: LHCbBookkeepingPlugin""",
    )
    step = wf.steps[0]
    from cwl2dirac.loader.hints import Job, Metadata, Transformation

    job = effective_hint(step, wf, "dirac:Job", Job)
    assert job is not None
    assert (job.platform, job.priority, job.sites) == ("x86_64", 10, ["CTAO.DESY-ZN.de", "CTAO.PIC.es"])
    assert (job.output_path, job.output_se) == ("/test/output", "SE-A")
    md = effective_hint(step, wf, "dirac:Metadata", Metadata)
    assert md is not None and md.fields == {"MCCampaign": "PROD5", "site": "LaPalma"}
    tr = effective_hint(step, wf, "dirac:Transformation", Transformation)
    assert tr is not None and tr.group_size == 5
    messages = _messages(caplog)
    infos = [m for level, m in messages if level == "INFO"]
    assert len(infos) == 2  # one line per mapped hint
    assert infos[0].startswith("info: dirac-cwl's dirac:ExecutionHooks → dirac:Metadata MCCampaign PROD5")
    assert "dirac:Job.output_path /test/output (from output_paths)" in infos[0]
    assert infos[1] == (
        "info: dirac-cwl's dirac:Scheduling → dirac:Job.platform x86_64; dirac:Job.priority 10; "
        "dirac:Job.sites CTAO.DESY-ZN.de, CTAO.PIC.es"
    )
    warnings = " | ".join(m for level, m in messages if level == "WARNING")
    for text in ("configuration.num_points", "uploads to one, SE-A", "output_sandbox has no equivalent",
                 "priority 100 is outside DIRAC's range", "input_dataset_plugin has no equivalent"):
        assert text in warnings


def test_own_hint_wins_over_mapped_one(tmp_path: Path) -> None:
    wf = _load(
        tmp_path,
        """  - class: dirac:Scheduling
    platform: x86_64
    priority: 3
  - class: https://cwl2dirac.dev/ns#Job
    platform: EL9""",
    )
    from cwl2dirac.loader.hints import Job

    job = effective_hint(wf.steps[0], wf, "dirac:Job", Job)
    assert job is not None and (job.platform, job.priority) == ("EL9", 3)


def test_unknown_fields_and_classes_are_warnings(tmp_path: Path, caplog) -> None:
    wf = _load(
        tmp_path,
        """  - class: dirac:Scheduling
    sitess: [A]
  - class: dirac:SchedulingHint
    priority: 1
  - class: arv:RuntimeConstraints
    keep_cache: 2""",
        '$namespaces: {dirac: "../../schemas/dirac-metadata.json#/$defs/", arv: "http://arvados.org/cwl#"}',
    )
    assert [r.cls for r in wf.steps[0].tool.hints] == []
    warnings = [m for level, m in _messages(caplog) if level == "WARNING"]
    assert "dirac:Scheduling.sitess has no equivalent in cwl2dirac, ignored (did you mean 'sites'?)" in warnings[0]
    assert "unknown hint class 'dirac:SchedulingHint' (did you mean dirac-cwl's 'Scheduling'?)" in warnings[1]
    assert "unknown hint class 'arv:RuntimeConstraints', ignored" in warnings[2]


def test_our_namespace_stays_strict(tmp_path: Path) -> None:
    ours = '$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}'
    with pytest.raises(ValidationError, match=r"unknown hint class 'dirac:Scheduling'"):
        _load(tmp_path, "  - class: dirac:Scheduling\n    sites: [A]", ours)
    with pytest.raises(ValidationError, match=r"unknown field 'platfrom' in dirac:Job \(did you mean 'platform'"):
        _load(tmp_path, "  - class: dirac:Job\n    platfrom: EL9", ours)
    # undeclared prefix: a near miss of one of our classes is still an error
    with pytest.raises(ValidationError, match=r"unknown hint class 'dirac:Jbo' \(did you mean 'Job'"):
        _load(tmp_path, "  - class: dirac:Jbo\n    platform: EL9", "")


def test_every_dirac_cwl_field_is_listed() -> None:
    """The table covers dirac-cwl 1.3's hint models (read from its source: SchedulingHint, ExecutionHooksHint and
    TransformationExecutionHooksHint, ProductionHint)."""
    assert set(DIRAC_CWL["Scheduling"]) == {"platform", "priority", "sites"}
    assert set(DIRAC_CWL["ExecutionHooks"]) == {
        "hook_plugin", "configuration", "output_paths", "output_sandbox", "output_se",
        "group_size", "input_data", "input_query",
    }
    assert set(DIRAC_CWL["Production"]) == {"input_dataset_plugin", "input_dataset_config"}
