"""The public API: what ``import cwl2dirac`` offers another submitter, called as such a program would."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import DATA, REPO
from support.local import FAIL, step, value

import cwl2dirac
from cwl2dirac.request import ProductionRequest

ENGINES = DATA / "engines"


def test_public_names_are_exported_and_typed() -> None:
    assert sorted(cwl2dirac.__all__) == sorted(set(cwl2dirac.__all__))
    for name in cwl2dirac.__all__:
        assert hasattr(cwl2dirac, name), name
    for name in ("load", "compile", "run", "submit", "describe"):
        fn = getattr(cwl2dirac, name)
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return annotation"
        assert all(p.kind is not p.VAR_KEYWORD for p in sig.parameters.values()), f"{name} takes **kwargs"
    assert issubclass(cwl2dirac.TaskFailed, cwl2dirac.Cwl2DiracError)
    assert cwl2dirac.UnsupportedFeature("x").exit_code == 33


def test_load_and_compile(in_tmp: Path) -> None:
    workflow = cwl2dirac.load(str(ENGINES / "chain.cwl"))
    assert [s.id for s in workflow.steps] == ["sort", "upper", "count"]
    request = cwl2dirac.compile(ENGINES / "chain.cwl", ENGINES / "chain.yml", name="api_chain", bodies=False)
    assert isinstance(request, ProductionRequest) and request.name == "api_chain"
    assert [s.parents for s in request.steps] == [[], ["sort"], ["upper"]]
    assert all(s.body == "" for s in request.steps)


def test_run_gives_the_cwl_output_object(tmp_path: Path) -> None:
    result = cwl2dirac.run(ENGINES / "chain.cwl", ENGINES / "chain.yml", outdir=tmp_path / "out",
                           workdir=tmp_path / "work")
    assert result.ok and result.exit_code == 0
    assert result.outputs is not None and result.outputs["lines"] == 4  # fruits.txt
    shouted = Path(result.outputs["shouted"]["path"])
    assert shouted.parent == (tmp_path / "out").resolve() and shouted.read_text().isupper()
    assert result.status.complete and [s.name for s in result.status.steps] == ["sort", "upper", "count"]
    assert all(s.tasks == {"done": 1} for s in result.status.steps)
    # the same call again resumes: nothing runs twice
    again = cwl2dirac.run(ENGINES / "chain.cwl", ENGINES / "chain.yml", outdir=tmp_path / "out2",
                          workdir=tmp_path / "work")
    assert again.outputs is not None and again.outputs["lines"] == 4
    assert again.production.report is not None and again.production.report.tasks_run == 0  # type: ignore[attr-defined]


def test_a_failed_run_raises_or_reports(tmp_path: Path) -> None:
    counter = tmp_path / "attempts.txt"
    bad = step("boom", FAIL, [value("counter", str(counter))], {"out": False}, tasks=1)
    request = ProductionRequest(
        name="api_fail", source="t.cwl", cwl_version="v1.2", metadata_fields={}, steps=[bad.model_copy(
            update={"max_retries": 0})],
    )
    with pytest.raises(cwl2dirac.TaskFailed, match=r"boom task 1 failed for good after 1 attempt\(s\): .*log: "):
        cwl2dirac.run(request, workdir=tmp_path / "w1", outdir=tmp_path)
    result = cwl2dirac.run(request, workdir=tmp_path / "w2", outdir=tmp_path, check=False)
    assert not result.ok and result.exit_code == 1 and result.outputs is None
    assert [(f.step, f.task) for f in result.status.failed] == [("boom", 1)]
    assert Path(str(result.status.failed[0].log)).is_file()
    # the recovery policy instead of the step's max_retries; not both
    from cwl2dirac.backends.policy import Policy

    result = cwl2dirac.run(request, workdir=tmp_path / "w3", outdir=tmp_path, check=False,
                           policy=Policy(max_attempts=2))
    assert [f.attempts for f in result.status.failed] == [2]
    with pytest.raises(cwl2dirac.BackendError, match="give retries or a recovery policy, not both"):
        cwl2dirac.run(request, workdir=tmp_path / "w4", outdir=tmp_path, retries=1, policy=Policy())
    with pytest.raises(cwl2dirac.ValidationError, match="policy"):
        cwl2dirac.run(request, backend="dirac", policy=Policy())


def test_hints_edit_a_compiled_production() -> None:
    pipeline = REPO / "cwl" / "workflows" / "process_merge.cwl"
    inputs = REPO / "examples" / "process_merge.yml"
    plain = cwl2dirac.compile(pipeline, inputs)
    edited = cwl2dirac.compile(pipeline, inputs, hints={"merge": {"dirac:Job": {"priority": 9}}})
    assert "<![CDATA[9]]>" in edited.step("merge").body and "<![CDATA[9]]>" not in plain.step("merge").body
    assert edited.step("process").body == plain.step("process").body
    with pytest.raises(cwl2dirac.ValidationError, match=r"step 'merje'.*did you mean 'merge'"):
        cwl2dirac.compile(pipeline, inputs, hints={"merje": {"dirac:Job": {"priority": 9}}})
    with pytest.raises(cwl2dirac.ValidationError, match=r"hints for 'merge': dirac:Job.priority"):
        cwl2dirac.compile(pipeline, inputs, hints={"merge": {"dirac:Job": {"priority": 99}}})
    with pytest.raises(cwl2dirac.ValidationError, match="inputs apply to a CWL document"):
        cwl2dirac.run(plain, inputs)


def test_describe_is_what_submit_would_send() -> None:
    desc = cwl2dirac.describe(REPO / "cwl" / "workflows" / "process_merge.cwl", REPO / "examples" / "process_merge.yml")
    assert [s["name"] for s in desc["steps"]] == ["Step1_process", "Step2_merge"]
    assert desc["production_description"]["Step2_merge"]["parentStep"] == ["Step1_process"]


def test_submit_without_dirac_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "DIRACSYSCONFIG"):
        monkeypatch.delenv(var, raising=False)
    request = cwl2dirac.compile(ENGINES / "chain.cwl", ENGINES / "chain.yml")
    with pytest.raises(cwl2dirac.BackendError, match="no DIRAC configuration"):
        cwl2dirac.submit(request)


@pytest.mark.slow
def test_embed_example_runs(tmp_path: Path) -> None:
    """examples/embed.py: compile, inspect, edit a hint and run the CTAO example (ctapipe on real data)."""
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "embed.py"), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outputs = json.loads(proc.stdout)
    assert Path(outputs["merged_file"]["path"]).name == "lst_with_photons_merged.dl1.h5"
    assert len(outputs["dl1_files"]) == 2
    assert "merge: priority 8 and 7200 s of CPU time" in proc.stderr


def test_the_wheel_ships_py_typed_and_the_catalog_registry(tmp_path: Path) -> None:
    proc = subprocess.run(["uv", "build", "--wheel", "--out-dir", str(tmp_path), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("cwl2dirac-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "cwl2dirac/py.typed" in names
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        text = zf.read(entry_points).decode()
    assert "[cwl2dirac.catalogs]" in text and "sqlite = cwl2dirac.backends.local.catalog:LocalCatalog.from_url" in text
