"""Everything the server derives from its environment variables: state directory, ports, names."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

# Port offsets from the base port (CWL2DIRAC_SERVER_PORT). Below 32768, the start of Linux's ephemeral range,
# so that an outgoing connection never takes one of them.
DEFAULT_BASE_PORT = 29100
PORT_OFFSETS = {
    "MariaDB": 0,
    "Configuration/Server": 1,
    "Framework/ProxyManager": 2,
    "Production/ProductionManager": 3,
    "Transformation/TransformationManager": 4,
    "DataManagement/FileCatalog": 5,
    "WorkloadManagement/JobManager": 6,
    "WorkloadManagement/JobMonitoring": 7,
    "WorkloadManagement/JobStateUpdate": 8,
    "WorkloadManagement/Matcher": 9,
    "WorkloadManagement/OptimizationMind": 10,
    "WorkloadManagement/SandboxStore": 11,
    "ResourceStatus/ResourceStatus": 12,
    "ResourceStatus/ResourceManagement": 13,
    "RequestManagement/ReqManager": 14,
    "WorkloadManagement/PilotManager": 15,
    # Never listened on: DIRAC 9.1 needs an OpenSearch section to start the job services (see cfg.py).
    "OpenSearch": 19,
}


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"dirac-server: {name}={raw!r} is not an integer")
    if value < minimum:
        sys.exit(f"dirac-server: {name}={value} must be at least {minimum}")
    return value


def _recorded_catalog(state: Path) -> str:
    """The catalog the server in ``state`` was last started with (``env``, ``status`` and a plain ``start`` keep
    it), else ``dfc``."""
    try:
        return str(json.loads((state.expanduser() / "run" / "server.json").read_text()).get("catalog") or "dfc")
    except (OSError, ValueError, AttributeError):
        return "dfc"


@dataclass(frozen=True)
class Settings:
    state: Path
    base_port: int
    vo: str
    jobagents: int
    task_delay: int
    stalled_after: int
    agent_cycle: int
    keep_jobs: bool
    split_services: bool
    venv: Path
    catalog: str = "dfc"
    """``dfc`` (the DIRAC File Catalog) or ``rucio`` (Rucio, ``scripts/rucio-server.sh``, through the extension's
    ``RucioFileCatalogClient``)."""
    host: str = "localhost"
    user: str = "localuser"
    setup: str = "cwl2dirac-local"
    db_user: str = "Dirac"
    ports: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        state = Path(os.environ.get("CWL2DIRAC_SERVER_DIR") or Path.home() / ".cache/cwl2dirac/dirac-server")
        base = _int("CWL2DIRAC_SERVER_PORT", DEFAULT_BASE_PORT, minimum=1024)
        if base + max(PORT_OFFSETS.values()) > 65535:
            sys.exit(f"dirac-server: CWL2DIRAC_SERVER_PORT={base} leaves no room for its {len(PORT_OFFSETS)} ports")
        catalog = os.environ.get("CWL2DIRAC_SERVER_CATALOG", "").strip().lower() or _recorded_catalog(state)
        if catalog not in ("dfc", "rucio"):
            sys.exit(f"dirac-server: CWL2DIRAC_SERVER_CATALOG={catalog!r}: 'dfc' or 'rucio'")
        vo = os.environ.get("CWL2DIRAC_SERVER_VO", "").strip() or "cwl2dirac"
        if not vo.replace("_", "").replace("-", "").isalnum():
            sys.exit(f"dirac-server: CWL2DIRAC_SERVER_VO={vo!r}: letters, digits, '-' and '_' only")
        return cls(
            state=state.expanduser().resolve(),
            base_port=base,
            vo=vo,
            jobagents=_int("CWL2DIRAC_SERVER_JOBAGENTS", 2),
            task_delay=_int("CWL2DIRAC_SERVER_TASK_DELAY", 1),
            stalled_after=_int("CWL2DIRAC_SERVER_STALLED_AFTER", 7200, minimum=10),
            agent_cycle=_int("CWL2DIRAC_SERVER_AGENT_CYCLE", 10, minimum=1),
            keep_jobs=os.environ.get("CWL2DIRAC_SERVER_KEEP_JOBS", "").strip().lower() in ("1", "yes", "true"),
            split_services=os.environ.get("CWL2DIRAC_SERVER_SPLIT", "").strip().lower() in ("1", "yes", "true"),
            venv=Path(os.environ.get("CWL2DIRAC_SERVER_VENV") or PROJECT / ".venv"),
            catalog=catalog,
            ports={name: base + offset for name, offset in PORT_OFFSETS.items()},
        )

    # Names a client needs (docs/dirac-server.md)
    @property
    def user_group(self) -> str:
        return f"{self.vo}_user"

    @property
    def prod_group(self) -> str:
        return f"{self.vo}_prod"

    @property
    def admin_group(self) -> str:
        return "dirac_admin"

    @property
    def site(self) -> str:
        return "DIRAC.Local.local"

    @property
    def ce(self) -> str:
        return "local.localhost"

    @property
    def user_dn(self) -> str:
        return f"/O={self.vo}/OU=local/CN={self.user}"

    @property
    def host_dn(self) -> str:
        return f"/O={self.vo}/OU=hosts/CN={self.host}"

    @property
    def ca_dn(self) -> str:
        return f"/O={self.vo}/CN={self.vo} throw-away CA"

    # Paths
    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def grid_security(self) -> Path:
        return self.etc / "grid-security"

    @property
    def cert_dir(self) -> Path:
        return self.grid_security / "certificates"

    @property
    def user_dir(self) -> Path:
        return self.state / "user"

    @property
    def proxy(self) -> Path:
        return self.state / "proxy" / "x509up"

    @property
    def client_root(self) -> Path:
        return self.state / "client"

    @property
    def client_cfg(self) -> Path:
        return self.client_root / "etc" / "dirac.cfg"

    @property
    def server_cfg(self) -> Path:
        return self.etc / "dirac.cfg"

    @property
    def cs_data_cfg(self) -> Path:
        return self.etc / f"{self.setup}.cfg"

    @property
    def cs_master_cfg(self) -> Path:
        return self.etc / "cs-master.cfg"

    @property
    def db_dir(self) -> Path:
        return self.state / "mariadb"

    @property
    def db_socket(self) -> Path:
        return self.db_dir / "mysqld.sock"

    @property
    def storage(self) -> Path:
        return self.state / "storage"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def log(self) -> Path:
        return self.state / "log"

    def jobagent_root(self, n: int) -> Path:
        return self.state / "jobagents" / str(n)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        return self.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"

    def url(self, service: str) -> str:
        return f"dips://{self.host}:{self.ports[service]}/{service}"
