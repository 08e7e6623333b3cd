"""The CTAO CWL library in cwl/: valid CWL, real ctapipe options, valid dirac: hints, runnable with cwltool.

Runs the real tools (cwltool, ctapipe 0.28 from the project venv); nothing is mocked. The ctapipe commands are
looked up next to the running interpreter (the venv's bin/), which is also put first on PATH for cwltool runs.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO

from cwl2dirac.loader.hints import HINT_CLASSES, parse_hint

ROOT = REPO
CWL = ROOT / "cwl"
TOOLS = CWL / "tools"
WORKFLOWS = CWL / "workflows"
EXAMPLES = ROOT / "examples"
SIMTEL = ROOT / "examples" / "data"
LST_FILES = [SIMTEL / "lst_with_photons.simtel.zst", SIMTEL / "lst_muons_with_true_photons.simtel.zst"]

BIN = Path(sys.executable).parent  # the venv's bin/, not resolved: a venv's python is a symlink
CWLTOOL = str(BIN / "cwltool") if (BIN / "cwltool").exists() else (shutil.which("cwltool") or "cwltool")

ALL_CWL = sorted(CWL.rglob("*.cwl"))
TOOL_FILES = sorted(TOOLS.glob("*.cwl"))
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.cwl"))

# A long option as written on a command line: --foo, --foo-bar, --Class.trait (value after '=' not included).
LONG_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9_.-]*")
# An option line of `ctapipe-* --help-all`: "--debug", "-i, --input=<Path>", "--Tool.log_level=<Enum>".
HELP_OPTION = re.compile(r"^(?:-[A-Za-z], )?(--[A-Za-z][A-Za-z0-9_.-]*)", re.MULTILINE)


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(CWL)) for p in paths]


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def env_with_venv() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_cwltool(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CWLTOOL, *args], cwd=cwd, env=env_with_venv(), capture_output=True, text=True, timeout=timeout
    )


# --------------------------------------------------------------------------------------------- validation


def test_library_is_complete() -> None:
    names = {p.name for p in ALL_CWL}
    for expected in (
        "setup_software.cwl", "corsika_simtelarray.cwl", "ctapipe_process.cwl", "ctapipe_process_dl1_dl2.cwl",
        "ctapipe_process_dl0_dl2.cwl", "ctapipe_merge.cwl", "ctapipe_train_energy_regressor.cwl",
        "ctapipe_train_particle_classifier.cwl", "ctapipe_train_disp_reconstructor.cwl",
        "ctapipe_apply_models.cwl", "process_merge.cwl", "simulate.cwl", "simulate_process_merge.cwl",
        "full_chain.cwl", "train_apply.cwl",
    ):
        assert expected in names


@pytest.mark.parametrize("path", ALL_CWL, ids=ids(ALL_CWL))
def test_cwltool_validate(path: Path) -> None:
    """`cwltool --validate` accepts every document (in-process: same code as the command, much faster)."""
    from cwltool.main import main as cwltool_main

    out, err = io.StringIO(), io.StringIO()
    rc = cwltool_main(["--validate", str(path)], stdout=out, stderr=err)
    assert rc == 0, err.getvalue()[-3000:]
    assert "is valid CWL" in out.getvalue()


# ------------------------------------------------------------------------ options against --help-all


def binding_options(node: Any) -> set[str]:
    """Every long option a tool can put on its command line: inputBinding/arguments prefixes and the
    literal options inside valueFrom strings (e.g. ``$(self ? '--dl1-images' : '--no-dl1-images')``)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("prefix", "valueFrom") and isinstance(value, str):
                found.update(LONG_OPTION.findall(value))
            else:
                found |= binding_options(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str):
                found.update(LONG_OPTION.findall(item))  # plain string arguments: "--write-showers"
            else:
                found |= binding_options(item)
    return found


def tool_options(doc: dict[str, Any]) -> set[str]:
    return binding_options(doc.get("inputs", {})) | binding_options(doc.get("arguments", []))


_HELP: dict[str, set[str]] = {}


def help_all_options(command: str) -> set[str]:
    if command not in _HELP:
        exe = BIN / command if (BIN / command).exists() else shutil.which(command)
        assert exe, f"{command} is not installed (the ctapipe extra of the venv)"
        proc = subprocess.run([str(exe), "--help-all"], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        _HELP[command] = set(HELP_OPTION.findall(proc.stdout))
    return _HELP[command]


CTAPIPE_TOOLS = [p for p in TOOL_FILES if str(load(p).get("baseCommand", "")).startswith("ctapipe-")]


def test_every_ctapipe_tool_is_checked() -> None:
    assert len(CTAPIPE_TOOLS) == 8


@pytest.mark.parametrize("path", CTAPIPE_TOOLS, ids=ids(CTAPIPE_TOOLS))
def test_options_exist_in_help_all(path: Path) -> None:
    doc = load(path)
    command = doc["baseCommand"]
    used = tool_options(doc)
    assert used, f"no options found in {path.name}: the parser is broken"
    known = help_all_options(command)
    missing = sorted(used - known)
    assert not missing, f"{path.name}: {command} --help-all has no {missing}"


def test_option_check_can_fail() -> None:
    """The membership check is not vacuous: misspelt or foreign options are not in --help-all."""
    known = help_all_options("ctapipe-process")
    assert {"--input", "--output", "--write-parameters", "--SimTelEventSource.focal_length_choice"} <= known
    for wrong in ("--write-dl1-parameters", "--input-files", "--SimtelEventSource.focal_length_choice",
                  "--signal", "--reconstructor-paths"):
        assert wrong not in known
    bad = {"inputs": {"x": {"type": "boolean", "inputBinding": {"prefix": "--write-paramters"}}},
           "arguments": [{"valueFrom": "$(self ? '--no-such-thing' : null)"}, "--overwrite"]}
    assert tool_options(bad) - known == {"--write-paramters", "--no-such-thing"}


def test_apply_models_repeats_reconstructor_prefix() -> None:
    """`--reconstructor a b` silently keeps only a: the prefix must be on the array items."""
    models = load(TOOLS / "ctapipe_apply_models.cwl")["inputs"]["models"]
    assert models["type"][1]["inputBinding"]["prefix"] == "--reconstructor"
    assert "prefix" not in models.get("inputBinding", {})


# ------------------------------------------------------------------------------------- hints and docs


def dirac_hints(doc: dict[str, Any], base: Path) -> list[dict[str, Any]]:
    hints = doc.get("hints", [])
    if isinstance(hints, dict):
        hints = [{"class": k, **v} for k, v in hints.items()]
    out = []
    for hint in hints:
        if "$import" in hint:
            hint = load((base.parent / hint["$import"]).resolve())
        if str(hint.get("class", "")).startswith("dirac:"):
            out.append(hint)
    return out


def step_hints(doc: dict[str, Any], base: Path) -> list[dict[str, Any]]:
    return [h for step in doc.get("steps", {}).values() for h in dirac_hints(step, base)]


DECLARED = load(CWL / "types" / "metadata_fields.yml")


def test_shared_metadata_fields_are_valid() -> None:
    hint = parse_hint(DECLARED["class"], {k: v for k, v in DECLARED.items() if k != "class"})
    assert hint.fields["data_level"] == "int"  # type: ignore[attr-defined]
    assert hint.fields["thetaP"] == "float"  # type: ignore[attr-defined]
    assert hint.fields["merged"] == "int"  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ALL_CWL, ids=ids(ALL_CWL))
def test_dirac_hints_are_valid(path: Path) -> None:
    """Every dirac: hint parses with cwl2dirac's own hint classes, and metadata values have declared types."""
    doc = load(path)
    hints = dirac_hints(doc, path) + step_hints(doc, path)
    if doc.get("class") != "ExpressionTool":  # folded when compiling or run in the job: no grid set-up of its own
        assert hints, f"{path.name} has no dirac: hints"
    types = DECLARED["fields"]
    for raw in hints:
        fields = {k: v for k, v in raw.items() if k != "class"}
        parsed = parse_hint(raw["class"], fields)
        if raw["class"] == "dirac:Metadata":
            values = dict(parsed.fields)  # type: ignore[attr-defined]
            for port, extra in parsed.outputs.items():  # type: ignore[attr-defined]
                assert port in doc["outputs"], f"{path.name}: dirac:Metadata.outputs.{port} is no output"
                values.update(extra)
            for key, value in values.items():
                assert key in types, f"{path.name}: metadata field {key} is not declared"
                expected = {"int": int, "float": float, "varchar": str}[types[key]]
                assert isinstance(value, expected) and not isinstance(value, bool), (path.name, key, value)
    assert set(HINT_CLASSES) >= {h["class"].removeprefix("dirac:") for h in hints}


@pytest.mark.parametrize("path", TOOL_FILES, ids=ids(TOOL_FILES))
def test_tools_are_documented_and_hinted(path: Path) -> None:
    doc = load(path)
    assert doc.get("label") and doc.get("doc"), path.name
    for name, inp in doc["inputs"].items():
        assert isinstance(inp, dict) and inp.get("doc"), f"{path.name}: input {name} has no doc"
    for name, out in doc["outputs"].items():
        assert out.get("doc"), f"{path.name}: output {name} has no doc"
    classes = {h["class"] for h in dirac_hints(doc, path)}
    if path.name.startswith("ctapipe_"):
        assert {"dirac:Software", "dirac:Metadata", "dirac:Transformation"} <= classes, path.name
        software = doc["hints"]["dirac:Software"]
        assert (software["package"], software["version"]) == ("ctapipe", "v0.28.0")
        assert doc["hints"]["dirac:Metadata"]["fields"]["analysis_prog"] == doc["baseCommand"]


def test_ctao_step_types_and_levels() -> None:
    def hints(name: str) -> dict[str, Any]:
        return load(TOOLS / name)["hints"]

    for name in ("ctapipe_train_energy_regressor.cwl", "ctapipe_train_particle_classifier.cwl",
                 "ctapipe_train_disp_reconstructor.cwl"):
        assert hints(name)["dirac:Transformation"]["type"] == "Training"
        assert hints(name)["ResourceRequirement"]["coresMin"] == 8
        assert hints(name)["dirac:Metadata"]["outputs"]["model"]["outputType"] == "Model"
    assert hints("ctapipe_apply_models.cwl")["dirac:Transformation"]["type"] == "ApplyModel"
    assert hints("ctapipe_merge.cwl")["dirac:Metadata"]["fields"]["merged"] == 1
    assert hints("ctapipe_process.cwl")["dirac:Metadata"]["fields"]["data_level"] == 1  # on every output, logs too
    assert hints("ctapipe_process_dl0_dl2.cwl")["dirac:Metadata"]["fields"]["data_level"] == 2
    assert hints("ctapipe_process_dl1_dl2.cwl")["dirac:Metadata"]["fields"]["data_level"] == 2
    assert hints("corsika_simtelarray.cwl")["dirac:Metadata"]["fields"]["data_level"] == 0  # on every output, logs too


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=ids(WORKFLOW_FILES))
def test_workflows_declare_metadata_fields(path: Path) -> None:
    doc = load(path)
    assert {"$import": "../types/metadata_fields.yml"} in doc["hints"]


def test_simulation_scatters_over_folded_run_numbers(tmp_path: Path) -> None:
    """Run numbers come from the run_numbers ExpressionTool (portable CWL: cwltool evaluates it), and the
    compiler folds it: the simulation becomes n_runs MCSimulation tasks whose task N takes run number N."""
    import json
    import subprocess
    import sys

    from cwl2dirac.compiler import compile_workflow

    for name in ("simulate.cwl", "simulate_process_merge.cwl"):
        steps = load(WORKFLOWS / name)["steps"]
        assert steps["simulate"]["scatter"] == "run_number"
        assert steps["simulate"]["in"]["run_number"] == "runs/run_numbers"
        assert steps["runs"]["run"] == "../tools/run_numbers.cwl"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"n_runs": 4, "first_run": 7}))
    cwltool = Path(sys.executable).with_name("cwltool")
    proc = subprocess.run(
        [str(cwltool), "--quiet", "--outdir", str(tmp_path / "o"), str(TOOLS / "run_numbers.cwl"), str(job)],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(proc.stdout) == {"run_numbers": [7, 8, 9, 10]}
    request = compile_workflow(WORKFLOWS / "simulate.cwl", EXAMPLES / "simulate.yml", bodies=False)
    n_runs = yaml.safe_load((EXAMPLES / "simulate.yml").read_text())["n_runs"]
    [simulate] = request.steps
    assert simulate.type == "MCSimulation" and simulate.tasks == n_runs
    assert simulate.config.task_values == {"run_number": list(range(1, n_runs + 1))}


def test_full_chain_shape() -> None:
    steps = load(WORKFLOWS / "full_chain.cwl")["steps"]
    assert steps["gamma"]["run"] == steps["proton"]["run"] == "simulate_process_merge.cwl"
    assert steps["train_classifier"]["in"]["signal"] == "gamma/merged_file"
    assert steps["train_classifier"]["in"]["background"] == "proton/merged_file"


# ------------------------------------------------------------------------------------------- examples

EXAMPLE_FOR = {
    "process_merge.yml": "process_merge.cwl",
    "simulate.yml": "simulate.cwl",
    "simulate_process_merge.yml": "simulate_process_merge.cwl",
    "full_chain.yml": "full_chain.cwl",
    "train_apply.yml": "train_apply.cwl",
}


def test_every_workflow_has_an_example() -> None:
    assert set(EXAMPLE_FOR.values()) == {p.name for p in WORKFLOW_FILES}


@pytest.mark.parametrize("example", sorted(EXAMPLE_FOR), ids=sorted(EXAMPLE_FOR))
def test_example_inputs_match_workflow(example: str) -> None:
    job = load(EXAMPLES / example)
    inputs = load(WORKFLOWS / EXAMPLE_FOR[example])["inputs"]
    assert set(job) <= set(inputs), f"{example}: unknown inputs {set(job) - set(inputs)}"
    for name, spec in inputs.items():
        optional = "default" in spec or (isinstance(spec["type"], str) and spec["type"].endswith("?")) or (
            isinstance(spec["type"], list) and "null" in spec["type"])
        assert optional or name in job, f"{example}: required input {name} missing"
    files = [v for v in job.values() if isinstance(v, dict)] + [
        f for v in job.values() if isinstance(v, list) for f in v if isinstance(f, dict)]
    for f in files:
        assert f["class"] == "File"
        if not f["location"].startswith("data/"):  # train_apply's DL2 inputs are documented as not shipped
            assert (EXAMPLES / f["location"]).resolve().is_file(), f"{example}: {f['location']} missing"


# --------------------------------------------------------------------------------------- real runs


def test_simulation_is_not_available_locally(tmp_path: Path) -> None:
    """The CORSIKA/sim_telarray wrapper only exists on the grid: cwltool says 'not found' clearly."""
    if shutil.which("cta-prod-simulate", path=env_with_venv()["PATH"]):
        pytest.skip("cta-prod-simulate is installed here")
    job = tmp_path / "job.yml"
    job.write_text("run_number: 1\nparticle: proton\n")  # named enum types have no cwltool CLI option
    proc = run_cwltool("--outdir", str(tmp_path / "out"), str(TOOLS / "corsika_simtelarray.cwl"), str(job))
    assert proc.returncode != 0
    assert "'cta-prod-simulate' not found" in proc.stderr


@pytest.mark.slow
def test_process_merge_runs_on_lst_files(tmp_path: Path) -> None:
    import tables

    for f in LST_FILES:
        assert f.is_file(), f"{f} missing (see examples/data/README.md)"
    proc = run_cwltool("--outdir", str(tmp_path / "out"), "cwl/workflows/process_merge.cwl",
                       "examples/process_merge.yml")
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    dl1 = sorted(Path(f["path"]).name for f in result["dl1_files"])
    assert dl1 == ["lst_muons_with_true_photons.dl1.h5", "lst_with_photons.dl1.h5"]
    merged = Path(result["merged_file"]["path"])
    assert merged.name == "lst_with_photons_merged.dl1.h5" and merged.is_file()
    with tables.open_file(merged) as h5:
        assert h5.root.configuration.observation.observation_block.nrows == 2  # both inputs merged
        assert h5.root.dl1.event.subarray.trigger.nrows == 4  # 1 + 3 events
        assert "/dl1/event/telescope/parameters" in h5


@pytest.mark.slow
def test_dl2_chain_and_training_configs(tmp_path: Path) -> None:
    """DL0 -> DL2 and DL1 -> DL2 run on an LST file; the training tools, with the example configurations,
    get past option and configuration parsing to reading the events (and then stop: too few events)."""
    lst = str(LST_FILES[0])
    proc = run_cwltool("--outdir", str(tmp_path / "dl2"), str(TOOLS / "ctapipe_process_dl0_dl2.cwl"),
                       "--input", lst)
    assert proc.returncode == 0, proc.stderr[-4000:]
    dl2 = json.loads(proc.stdout)["dl2_file"]["path"]
    assert Path(dl2).name == "lst_with_photons.dl2.h5"

    proc = run_cwltool("--outdir", str(tmp_path / "dl1"), str(TOOLS / "ctapipe_process.cwl"), "--input", lst)
    assert proc.returncode == 0, proc.stderr[-4000:]
    dl1 = json.loads(proc.stdout)["dl1_file"]["path"]
    proc = run_cwltool("--outdir", str(tmp_path / "dl1dl2"), str(TOOLS / "ctapipe_process_dl1_dl2.cwl"),
                       "--input", dl1)
    assert proc.returncode == 0, proc.stderr[-4000:]
    import tables

    with tables.open_file(json.loads(proc.stdout)["dl2_file"]["path"]) as h5:
        assert "/dl2/event/subarray/geometry" in h5

    config = EXAMPLES / "config"
    trainings = [
        ("ctapipe_train_energy_regressor.cwl",
         ["--input", dl2, "--config", str(config / "train_energy_regressor.yaml")]),
        ("ctapipe_train_disp_reconstructor.cwl",
         ["--input", dl2, "--config", str(config / "train_disp_reconstructor.yaml")]),
        ("ctapipe_train_particle_classifier.cwl",
         ["--signal", dl2, "--background", dl2, "--config", str(config / "train_particle_classifier.yaml")]),
    ]
    for tool, args in trainings:
        proc = run_cwltool("--outdir", str(tmp_path / tool), str(TOOLS / tool), *args)
        assert proc.returncode != 0
        assert "TooFewEvents" in proc.stderr, f"{tool}: {proc.stderr[-4000:]}"
        assert "not recognized" not in proc.stderr and "Bad config" not in proc.stderr
