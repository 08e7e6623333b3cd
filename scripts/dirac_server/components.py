"""The server's processes and the DIRAC components each runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import rucio
from .settings import PROJECT, Settings

SCRIPTS = PROJECT / "scripts"

# Variables that must not reach a DIRAC process: the CA bundles override DIRAC's CA directory ("self-signed
# certificate in certificate chain"); a client's proxy or configuration would be mixed with the server's.
SCRUB = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "X509_USER_PROXY", "X509_USER_CERT", "X509_USER_KEY",
         "DIRACSYSCONFIG", "DIRAC_ROOT_PATH", "X509_CERT_DIR", "X509_VOMS_DIR", "PYTHONPATH", "VIRTUAL_ENV")


@dataclass(frozen=True)
class Proc:
    name: str
    kind: str  # service | agent | executor | jobagent
    components: tuple[str, ...]
    wave: int  # start order: processes of one wave start together, after the previous wave is up
    extra: tuple[str, ...] = field(default=())

    @property
    def log_name(self) -> str:
        return self.name


def processes(s: Settings) -> list[Proc]:
    procs = [
        Proc("Configuration", "service", ("Configuration/Server",), 0, ("--cfg", str(s.cs_master_cfg))),
        Proc(
            "Services-Base", "service",
            ("Framework/ProxyManager", "ResourceStatus/ResourceStatus",
             "ResourceStatus/ResourceManagement", "RequestManagement/ReqManager",
             "WorkloadManagement/OptimizationMind", "WorkloadManagement/PilotManager"),
            1,
        ),
        # Alone in its process, as the TransformationManager (with the ProductionManager) is in its own: the fault
        # tests stop and kill it without the ReqManager that holds the failover requests.
        Proc("Services-Catalog", "service", ("DataManagement/FileCatalog",), 1),
        Proc(
            "Services-WMS", "service",
            ("WorkloadManagement/JobManager", "WorkloadManagement/JobMonitoring", "WorkloadManagement/JobStateUpdate",
             "WorkloadManagement/Matcher", "WorkloadManagement/SandboxStore"),
            2,
        ),
        Proc("Services-Production", "service",
             ("Production/ProductionManager", "Transformation/TransformationManager"), 2),
        Proc("Optimizers", "executor", ("WorkloadManagement/Optimizers",), 3),
        Proc("TransformationAgents", "agent",
             ("Transformation/InputDataAgent", "Transformation/TransformationAgent",
              "Transformation/WorkflowTaskAgent"), 3),
        Proc("RequestExecutingAgent", "agent", ("RequestManagement/RequestExecutingAgent",), 3),
        Proc("ProductionControllerAgent", "agent", ("Production/ProductionControllerAgent",), 3),
    ]
    procs += [Proc(f"JobAgent-{n}", "jobagent", ("WorkloadManagement/JobAgent",), 3)
              for n in range(1, s.jobagents + 1)]
    if s.split_services:
        split = []
        for proc in procs:
            if proc.kind == "service" and len(proc.components) > 1:
                split += [Proc(c.replace("/", "-"), "service", (c,), proc.wave) for c in proc.components]
            else:
                split.append(proc)
        procs = split
    return procs


def base_env(s: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env["PATH"] = f"{s.venv / 'bin'}:{env.get('PATH', '/usr/local/bin:/usr/bin:/bin')}"
    env["X509_CERT_DIR"] = str(s.cert_dir)
    env["PYTHONUNBUFFERED"] = "1"
    if s.catalog == "rucio":
        env.update(rucio.client_env())
    return env


def command(s: Settings, proc: Proc) -> tuple[list[str], dict[str, str], Path]:
    """(argv, environment, working directory) of a process."""
    env = base_env(s)
    py = str(s.python)
    if proc.kind == "jobagent":
        n = proc.name.rsplit("-", 1)[1]
        root = s.jobagent_root(int(n))
        # DIRAC's job wrapper runs with the resolved interpreter (the realpath of the venv's python: the base
        # Python, outside the venv). The jobs' PYTHONPATH names a directory whose sitecustomize.py adds the venv's
        # site-packages as a site directory: its packages, and its .pth files (the editable cwl2dirac and
        # cwl2diracDIRAC, which DIRAC imports as an extension in every process), after the standard library.
        env["PYTHONPATH"] = f"{SCRIPTS}"
        env["CWL2DIRAC_JOBAGENT_PYTHONPATH"] = str(write_job_python(s))
        env["PATH"] = f"{write_software_standin(s)}:{env['PATH']}"
        env["DIRAC_ROOT_PATH"] = str(root)
        work = root / "work"
        work.mkdir(parents=True, exist_ok=True)
        argv = [py, "-m", "dirac_server.launch", "jobagent-loop", n, *proc.components,
                "-o", "/DIRAC/Security/UseServerCertificate=yes"]
        return argv, env, work
    # the server's own DIRAC extension (scripts/dirac_server/ext: the job parameters, which DIRAC 9 keeps in
    # OpenSearch), for its services and agents (the RequestExecutingAgent sets a job's parameters itself)
    env["PYTHONPATH"] = f"{SCRIPTS}:{SCRIPTS / 'dirac_server' / 'ext'}"
    env["DIRAC_ROOT_PATH"] = str(s.state)
    if proc.kind == "service":
        env["CWL2DIRAC_SERVER_TASK_DELAY"] = str(s.task_delay)
    if proc.kind == "agent":
        env["CWL2DIRAC_SERVER_AGENT_CYCLE"] = str(s.agent_cycle)
    argv = [py, "-m", "dirac_server.launch", proc.kind, *proc.components, *proc.extra]
    return argv, env, s.state


def write_job_python(s: Settings) -> Path:
    """``<state>/python/sitecustomize.py``, the jobs' PYTHONPATH (see :func:`command`)."""
    d = s.state / "python"
    d.mkdir(parents=True, exist_ok=True)
    (d / "sitecustomize.py").write_text(
        '"""Written by scripts/dirac-server.sh: the project venv\'s site-packages for DIRAC jobs."""\n'
        "import site, sys\n"
        f"_SITE = {str(s.site_packages)!r}\n"
        "if _SITE not in sys.path:\n"
        "    site.addsitedir(_SITE)\n"
    )
    return d


STANDIN_NOTE = (
    "A stand-in for CTAO's CVMFS software set-up, written by scripts/dirac-server.sh: this machine has no CVMFS, so "
    "every package and version is the project's own environment (.venv, with ctapipe)."
)


def write_software_standin(s: Settings) -> Path:
    """``<state>/software/bin``, first on the jobs' PATH: ``cta-prod-setup-software`` as CTAO's jobs call it
    (``-p PACKAGE -v VERSION -a CATEGORY -g COMPILER``), which writes ``setup_script_path.txt`` in the job's
    directory naming a ``setupPackage.sh`` that puts the project's venv on PATH and sets ``$CTAPIPE_DIR`` to
    ``<state>/software/ctapipe`` (its ``config/``: the release's configurations, which ``software-config:`` Files
    name; empty until a test puts some there). Named a stand-in everywhere: the real one sets up the package from
    CVMFS."""
    root = s.state / "software"
    bindir = root / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    release = root / "ctapipe"
    (release / "config").mkdir(parents=True, exist_ok=True)
    setup = root / "setupPackage.sh"
    setup.write_text(
        f"# {STANDIN_NOTE}\n"
        f'export PATH="{s.venv / "bin"}:$PATH"\n'
        f'export CTAPIPE_DIR="{release}"\n'
        'export CWL2DIRAC_SOFTWARE_STANDIN="${CWL2DIRAC_SOFTWARE_STANDIN:-stand-in}"\n'
    )
    tool = bindir / "cta-prod-setup-software"
    tool.write_text(
        "#!/bin/sh\n"
        f"# {STANDIN_NOTE}\n"
        'echo "cta-prod-setup-software (stand-in, no CVMFS here): $*"\n'
        f'echo "{setup}" > setup_script_path.txt\n'
    )
    tool.chmod(0o755)
    return bindir


def client_env(s: Settings) -> dict[str, str]:
    """What a client shell needs (``env`` prints it)."""
    return {
        "DIRACSYSCONFIG": str(s.client_cfg),
        "DIRAC_ROOT_PATH": str(s.client_root),
        "X509_CERT_DIR": str(s.cert_dir),
        "X509_USER_PROXY": str(s.proxy),
        "CWL2DIRAC_SERVER_DIR": str(s.state),
        **(rucio.client_env() if s.catalog == "rucio" else {}),
    }
