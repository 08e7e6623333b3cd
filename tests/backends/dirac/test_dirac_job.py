"""Job template bodies, read back with DIRAC's own workflow parser and JDL conversion."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.dirac import make_config

from cwl2dirac.backends.dirac import job as dj
from cwl2dirac.errors import BackendError
from cwl2dirac.loader import hints
from cwl2dirac.request import decode_config

FULL: dict[str, Any] = {
    "name": "gamma_process",
    "step_type": "DataReprocessing",
    "job": hints.Job(
        platform="EL9",
        sites=["LCG.B.org", "LCG.A.org"],
        banned_sites=["LCG.Z.org"],
        priority=7,
        tags=["production", "GPU"],
        job_type="Processing",
    ),
    "software": hints.Software(
        package="ctapipe", version="v0.28.0", category="stage1", compiler="gcc114_default"
    ),
    "apptainer": hints.Apptainer(image="/cvmfs/ctao.dpps.test/images/ctapipe-0.28.sif"),
    "cpu_time": 7200,
    "processors": 8,
    "memory_mb": 4000,
}
BARE: dict[str, Any] = {
    "name": "sim",
    "step_type": "MCSimulation",
    "job": None,
    "software": None,
    "apptainer": None,
    "cpu_time": None,
    "processors": None,
    "memory_mb": None,
}


def parse(body: str) -> Any:
    from DIRAC.Core.Workflow.Workflow import fromXMLString

    return fromXMLString(body)


def params(workflow: Any) -> dict[str, str]:
    return {p.getName(): str(p.getValue()) for p in workflow.parameters}


def steps(workflow: Any) -> list[dict[str, str]]:
    return [{p.getName(): str(p.getValue()) for p in si.parameters} for si in workflow.step_instances]


def jdl(body: str) -> Any:
    """The JDL the WMS would get for a task of this template (DIRAC's Job(body)._toJDL(), parsed)."""
    from DIRAC.Core.Utilities.ClassAd.ClassAdLight import ClassAd
    from DIRAC.Interfaces.API.Job import Job

    return ClassAd("[" + Job(body)._toJDL() + "]")


def test_full_body_maps_every_hint() -> None:
    config = make_config("gamma/process", files_from=["gamma/sim/out"])
    body = dj.build_body(config, **FULL)
    wf = parse(body)
    p = params(wf)
    assert wf.getName() == "gamma_process"
    assert p["JobName"] == "gamma_process"
    assert p["JobType"] == "Processing"  # job.job_type wins over the step type
    assert p["JobGroup"] == "demo"
    assert p["Platform"] == "EL9"
    assert p["Site"] == "LCG.A.org;LCG.B.org"
    assert p["BannedSites"] == "LCG.Z.org"
    assert p["Priority"] == "7"
    assert p["Tags"] == "production;GPU"
    assert p["CPUTime"] == "7200"
    assert p["NumberOfProcessors"] == p["MaxNumberOfProcessors"] == "8"
    assert p["MinRAM"] == "4000"
    assert p["LogLevel"] == "INFO"
    assert p["InputDataPolicy"] == dj.DOWNLOAD_POLICY
    assert p["JOB_ID"] == p["PRODUCTION_ID"] == "00000000"
    env = dict(kv.split("=", 1) for kv in p["ExecutionEnvironment"].split(";"))
    assert env == {
        dj.ENV_CATALOG: "dirac",
        dj.ENV_SETUP_SCRIPT_FILE: dj.SETUP_SCRIPT_FILE,
        dj.ENV_APPTAINER_IMAGE: "/cvmfs/ctao.dpps.test/images/ctapipe-0.28.sif",
    }

    setup, worker = steps(wf)
    assert setup["executable"] == "cta-prod-setup-software"
    assert shlex.split(setup["arguments"]) == [
        "-p",
        "ctapipe",
        "-v",
        "v0.28.0",
        "-a",
        "stage1",
        "-g",
        "gcc114_default",
    ]
    assert worker["executable"] == "cwl2dirac-worker"
    args = shlex.split(worker["arguments"])
    assert args[0] == "--config" and args[2:] == ["--task", "@{JOB_ID}", "--catalog", "dirac:@{PRODUCTION_ID}"]
    assert decode_config(args[1]) == config
    assert worker["applicationLog"] == dj.WORKER_LOG


def test_jdl_seen_by_the_wms() -> None:
    body = dj.build_body(make_config("gamma/process", files_from=["gamma/sim/out"]), **FULL)
    ad = jdl(body)
    assert ad.getAttributeString("Executable") == "dirac-jobexec"
    assert ad.getAttributeInt("CPUTime") == 7200
    assert ad.getAttributeInt("NumberOfProcessors") == 8
    assert ad.getAttributeInt("MinRAM") == 4000
    assert ad.getAttributeString("Platform") == "EL9"
    assert sorted(ad.getListFromExpression("Site")) == ["LCG.A.org", "LCG.B.org"]
    assert ad.getListFromExpression("BannedSites") == ["LCG.Z.org"]
    assert ad.getListFromExpression("Tags") == ["production", "GPU"]
    assert ad.getAttributeString("InputDataPolicy") == dj.DOWNLOAD_POLICY
    assert "*.log" in ad.getListFromExpression("OutputSandbox")


def test_bare_body_for_a_simulation() -> None:
    config = make_config("sim")
    body = dj.build_body(config, **BARE)
    p = params(parse(body))
    assert p["JobType"] == "MCSimulation"
    for absent in (
        "Platform",
        "Site",
        "BannedSites",
        "CPUTime",
        "NumberOfProcessors",
        "MinRAM",
        "InputDataPolicy",
    ):
        assert absent not in p
    assert p["ExecutionEnvironment"] == "CWL2DIRAC_CATALOG=dirac"
    (worker,) = steps(parse(body))
    assert decode_config(shlex.split(worker["arguments"])[1]) == config


def test_cpu_time_hint_wins_and_single_processor_is_default() -> None:
    body = dj.build_body(
        make_config("s"), **{**BARE, "job": hints.Job(cpu_time=99), "cpu_time": 5, "processors": 1}
    )
    p = params(parse(body))
    assert p["CPUTime"] == "99"
    assert "NumberOfProcessors" not in p


def test_transformation_sets_task_number() -> None:
    """As WorkflowTasks does for task 42 of transformation 7: the worker's arguments refer to the JOB_ID and
    PRODUCTION_ID parameters."""
    from DIRAC.Core.Workflow.Utility import getSubstitute, substitute
    from DIRAC.Interfaces.API.Job import Job

    j = Job(dj.build_body(make_config("s"), **BARE))
    j._setParamValue("JOB_ID", "00000042")
    j._setParamValue("PRODUCTION_ID", "00000007")
    (worker,) = steps(j.workflow)
    assert sorted(getSubstitute(worker["arguments"])) == ["JOB_ID", "PRODUCTION_ID"]
    resolved = worker["arguments"]
    for name in ("JOB_ID", "PRODUCTION_ID"):
        resolved = substitute(resolved, name, j.workflow.findParameter(name).getValue())
    assert resolved.endswith("--task 00000042 --catalog dirac:00000007")


@pytest.mark.parametrize(
    ("worker", "executable", "head"),
    [
        (hints.Worker(setup="script", script="/cvmfs/ctao/cwl2dirac/setup.sh"), "bash",
         ["-c", dj.SCRIPT_SETUP, "/cvmfs/ctao/cwl2dirac/setup.sh", "--config"]),
        (hints.Worker(setup="image", image="/cvmfs/img/cwl2dirac.sif"), "apptainer",
         ["exec", "/cvmfs/img/cwl2dirac.sif", "cwl2dirac-worker", "--config"]),
        (hints.Worker(), "cwl2dirac-worker", ["--config"]),
    ],
)
def test_worker_setup_modes(worker: hints.Worker, executable: str, head: list[str]) -> None:
    config = make_config("s")
    (step,) = steps(parse(dj.build_body(config, **BARE, worker=worker)))
    assert step["executable"] == executable
    args = shlex.split(step["arguments"])
    assert args[: len(head)] == head
    assert decode_config(args[len(head)]) == config


@pytest.mark.parametrize("kwargs", [FULL, BARE, {**FULL, "software": None}, {**FULL, "apptainer": None}])
def test_cached_template_is_byte_identical_to_direct_build(kwargs: dict[str, Any]) -> None:
    for i, name in enumerate(["a", "step_with_long_name_0001", "x-y.z"]):
        config = make_config(f"step{i}", files_from=["p/out"] if i % 2 else None)
        kw = {**kwargs, "name": name}
        assert dj.build_body(config, **kw) == dj.build_body(config, **kw, template_cache=False)


def test_invalid_name() -> None:
    with pytest.raises(BackendError, match="invalid DIRAC job name"):
        dj.build_body(make_config("s"), **{**BARE, "name": "a<b"})


def test_deterministic_across_processes() -> None:
    """Same config, same XML, whatever the hash seed (DIRAC's setDestination joins a set: we do not use
    it)."""
    code = (
        "import hashlib, sys\n"
        "sys.path[:0] = sys.argv[1:3]\n"
        "from support.dirac import make_config\n"
        "from test_dirac_job import FULL\n"
        "from cwl2dirac.backends.dirac.job import build_body\n"
        "b = build_body(make_config('gamma/process', files_from=['a/out']), **FULL, template_cache=False)\n"
        "print(hashlib.sha256(b.encode()).hexdigest())\n"
    )
    here = str(Path(__file__).parent)
    tests = str(Path(__file__).parents[2])  # support.dirac
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, here, tests], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    local = dj.build_body(make_config("gamma/process", files_from=["a/out"]), **FULL)
    digests.add(hashlib.sha256(local.encode()).hexdigest())
    assert len(digests) == 1


def test_time_per_body() -> None:
    configs = [make_config(f"s{i}", files_from=["p/out"]) for i in range(2000)]
    dj.build_body(configs[0], **FULL)  # template (and DIRAC import) once
    start = time.perf_counter()
    for i, config in enumerate(configs):
        dj.build_body(config, **{**FULL, "name": f"s{i}"})
    per_body = (time.perf_counter() - start) / len(configs)
    assert per_body < 1e-3, f"{per_body * 1e3:.3f} ms per body"
