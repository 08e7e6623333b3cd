"""The DIRAC configuration of the server, written as DIRAC cfg files.

- ``etc/<setup>.cfg``: what the Configuration Server serves (Registry, Resources, Operations, every service URL
  and every service/agent/executor section). Service and agent sections start from the ``ConfigTemplate.cfg``
  that DIRAC ships for its system (authorization rules and defaults), with this server's values on top.
- ``etc/dirac.cfg``: the server processes' local file (``DIRAC_ROOT_PATH`` = state directory): where the
  Configuration Server is, the host certificate, the database credentials (kept out of the served
  configuration), the LocalSite.
- ``etc/cs-master.cfg``: makes the Configuration Server process the master.
- ``client/etc/dirac.cfg``: a client's file (``DIRACSYSCONFIG``): only the Configuration Server.
- ``jobagents/<n>/etc/dirac.cfg``: a JobAgent's file: its LocalSite, as a pilot would write it (the JobAgent
  rewrites it every cycle).

Everything is regenerated at each start from the settings: the state directory's configuration is not meant
to be edited (changes made through the Configuration Server last until the next start).
"""

from __future__ import annotations

import copy
import os
import secrets
from pathlib import Path
from typing import Any

import DIRAC
from diraccfg import CFG

from .settings import Settings

DIRAC_DIR = Path(DIRAC.__file__).parent

# Every transformation type cwl2dirac emits (cwl2dirac/hints.py StepType, cwl2dirac/passes/grouping.py) plus
# DataProcessing. DIRAC's transformation agents ignore transformations of any other type.
TRANSFORMATION_TYPES = [
    "MCSimulation",
    "MCReconstruction",
    "DataReprocessing",
    "DataProcessing",
    "Processing",
    "Merging",
    "Training",
    "ApplyModel",
]

# service -> databases it opens (created from DIRAC's .sql files by mariadb.py)
SERVICES = {
    "Configuration/Server": [],
    "Framework/ProxyManager": ["ProxyDB"],
    "Production/ProductionManager": ["ProductionDB"],
    "Transformation/TransformationManager": ["TransformationDB"],
    "DataManagement/FileCatalog": ["FileCatalogDB"],
    "WorkloadManagement/OptimizationMind": ["JobDB"],
    "WorkloadManagement/JobManager": ["JobDB", "JobLoggingDB", "TaskQueueDB", "PilotAgentsDB"],
    "WorkloadManagement/JobMonitoring": ["JobDB", "JobLoggingDB"],
    "WorkloadManagement/JobStateUpdate": ["JobDB", "JobLoggingDB"],
    "WorkloadManagement/Matcher": ["JobDB", "JobLoggingDB", "TaskQueueDB", "PilotAgentsDB"],
    "WorkloadManagement/PilotManager": ["PilotAgentsDB"],
    "WorkloadManagement/SandboxStore": ["SandboxMetadataDB"],
    "ResourceStatus/ResourceStatus": ["ResourceStatusDB"],
    "ResourceStatus/ResourceManagement": ["ResourceManagementDB"],
    "RequestManagement/ReqManager": ["ReqDB"],
}

DATABASES = {
    "Framework": ["ProxyDB"],
    "Production": ["ProductionDB"],
    "Transformation": ["TransformationDB"],
    "DataManagement": ["FileCatalogDB"],
    "WorkloadManagement": ["JobDB", "JobLoggingDB", "TaskQueueDB", "PilotAgentsDB", "SandboxMetadataDB"],
    "ResourceStatus": ["ResourceStatusDB", "ResourceManagementDB"],
    "RequestManagement": ["ReqDB"],
}

STORAGE_ELEMENTS = ("LOCAL-DISK", "LOCAL-FAILOVER", "LOCAL-DISK-2")
"""The default SE, the failover SE, and a second disk SE (a test bans its writes to exercise the failover)."""
# The DIRAC platform the JobAgents advertise, and the platform names compatible with it (job Platform values
# that match here; DiracBackend.submit and Job.setPlatform check them against OSCompatibility)
PLATFORM = "EL9"
COMPATIBLE_PLATFORMS = ["EL9", "EL8", "EL7"]
SANDBOX_SE = "ProductionSandboxSE"
BUSY_THREADS = 40
"""Threads of the services that every job, agent and client calls (DIRAC's default is 15)."""

# Agent cycles. DIRAC's agent scheduler (AgentReactor: ThreadScheduler(minPeriod=10)) never runs a cycle more
# often than every 10 s, whatever PollingTime; with PollingTime >= 9 the first cycle comes 1 s after the agent
# has loaded (PollingTime - 9 s later otherwise). The launcher moves that floor to CWL2DIRAC_SERVER_AGENT_CYCLE
# (Settings.agent_cycle, default 10 as DIRAC), the agents' PollingTime, except the JobAgents'.
JOBAGENT_POLLING = 1  # also the JobAgent's extra sleep after a failed match: PollingTime * (failures + 1) * 2


def _template(system: str) -> dict[str, Any]:
    path = DIRAC_DIR / f"{system}System" / "ConfigTemplate.cfg"
    return CFG().loadFromFile(str(path)).getAsDict() if path.exists() else {}


_TEMPLATES: dict[str, dict[str, Any]] = {}


def _component(system: str, kind: str, name: str) -> dict[str, Any]:
    """A copy of DIRAC's template section ``<kind>/<name>`` of ``<system>System/ConfigTemplate.cfg``."""
    if system not in _TEMPLATES:
        _TEMPLATES[system] = _template(system)
    return copy.deepcopy(_TEMPLATES[system].get(kind, {}).get(name, {}))


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value)
    return str(value)


def render(tree: dict[str, Any], indent: int = 0) -> str:
    pad = "  " * indent
    lines: list[str] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines += [f"{pad}{key}", f"{pad}{{", render(value, indent + 1).rstrip("\n"), f"{pad}}}"]
        else:
            lines.append(f"{pad}{key} = {_value(value)}")
    return "\n".join(line for line in lines if line) + "\n"


def write(path: Path, tree: dict[str, Any], header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"# {header}\n# Written by scripts/dirac-server.sh at each start: do not edit.\n" + render(tree))
    tmp.replace(path)


def _mem_mb() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 4096


def db_password(s: Settings) -> str:
    path = s.etc / "db-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


# ---------------------------------------------------------------------------------------------------------------
# The configuration served by the Configuration Server


def _services(s: Settings) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    overrides: dict[str, dict[str, Any]] = {
        "Configuration/Server": {
            # The template points at the Tornado handler; the classic one serves dips://
            "HandlerPath": "DIRAC/ConfigurationSystem/Service/ConfigurationHandler.py",
            "VerifyDiracXSyncOnCommit": False,
        },
        "Framework/ProxyManager": {"MaxThreads": 10},
        "WorkloadManagement/SandboxStore": {
            "LocalSE": SANDBOX_SE,
            "BasePath": str(s.storage / "sandboxes"),
            "MaxThreads": 10,
            "MaxSandboxSizeMiB": 100,
        },
        "WorkloadManagement/Matcher": {"MaxThreads": 5},
        "WorkloadManagement/JobManager": {"MaxParametricJobs": 100, "MaxThreads": BUSY_THREADS},
        # The services every job, agent and client calls: more threads than DIRAC's 15, so that a burst of slow
        # calls (startProduction validates every link through the catalog) does not leave new connections waiting
        # past their 10 s handshake timeout.
        "Transformation/TransformationManager": {"MaxThreads": BUSY_THREADS},
        "Production/ProductionManager": {"MaxThreads": BUSY_THREADS},
        "WorkloadManagement/JobStateUpdate": {"MaxThreads": BUSY_THREADS},
        "RequestManagement/ReqManager": {"MaxThreads": BUSY_THREADS},
        "DataManagement/FileCatalog": {
            "MaxThreads": BUSY_THREADS,
            # The classic schema: with DirectoryClosure/FileManagerPs metadata search broke in 9.1.22
            "DirectoryManager": "DirectoryLevelTree",
            "FileManager": "FileManager",
            "SecurityManager": "NoSecurityManager",
            "UniqueGUID": False,
            "GlobalReadAccess": True,
            "DefaultUmask": 509,
            "VisibleStatus": "AprioriGood",
        },
        "ResourceStatus/ResourceStatus": {},
        "WorkloadManagement/PilotManager": {},
    }
    for name in SERVICES:
        system, service = name.split("/")
        section = _component(system, "Services", service)
        section.setdefault("Authorization", {"Default": "authenticated"})
        merge(section, overrides.get(name, {}))
        section.update({"Port": s.ports[name], "Protocol": "dips", "LogColor": False})
        sysdict = systems.setdefault(system, {})
        sysdict.setdefault("Services", {})[service] = section
        sysdict.setdefault("URLs", {})[service] = s.url(name)
    return systems


def _agents(s: Settings) -> dict[str, Any]:
    """Agents and executors (sections only; which of them run is components.py's business)."""
    task_update = ["Submitted", "Received", "Waiting", "Running", "Matched", "Completed", "Failed",
                   "Checking", "Staging", "Stalled", "Rescheduled", "Completing"]
    agents: dict[str, dict[str, Any]] = {
        "Transformation/InputDataAgent": {"PollingTime": s.agent_cycle, "RefreshOnly": False, "MultiVO": False},
        "Transformation/TransformationAgent": {
            "PollingTime": s.agent_cycle,
            # DIRAC's default waits 6 hours before looking again at a transformation whose Unused files did
            # not change (DIRACGrid/DIRAC#1124); 0 looks every cycle.
            "NoUnusedDelay": 0,
            "maxThreadsInPool": 2,
        },
        "Transformation/WorkflowTaskAgent": {
            "PollingTime": s.agent_cycle,
            "TransType": TRANSFORMATION_TYPES,
            "shifterProxy": "ProductionManager",
            "MonitorTasks": True,
            # No MonitorFiles and no CheckReserved option at all: DIRAC runs each whenever its option has a value,
            # "False" included (TaskManagerAgentBase: `if not am_getOption("MonitorFiles", "")`; found by
            # benchmarks/load.py, which still saw "Updated N files to status Unused" with MonitorFiles = False).
            # MonitorFiles resets to Unused any file Assigned for 10 minutes whose task it finds no job for (a task
            # still waiting for its submission, or a lost answer), and another task takes it; the worker marks its
            # inputs Processed itself, the controller recovers failures. CheckReserved takes back a task Reserved
            # for an hour counted from its creation, so in a production older than that every task the agent is
            # submitting, which then gets a second job; the controller does it from the reservation
            # (cwl2dirac.backends.dirac.controller._unstick_reserved).
            "TaskUpdateStatus": task_update,
            "SubmitTasks": "yes",
            "TasksPerLoop": 50,
            "maxNumberOfThreads": 2,
            "BulkSubmission": False,
        },
        "RequestManagement/RequestExecutingAgent": {
            "PollingTime": s.agent_cycle,
            "RequestsPerCycle": 50,
            "MinProcess": 1,
            "MaxProcess": 2,
            "ProcessPoolQueueSize": 20,
            "ProcessPoolSleep": 1,
            "BulkRequest": 50,
            # the extension's handler: the failover of a metadata call to a catalog without a DISET service
            # (Rucio); cwl2diracDIRAC/RequestManagementSystem/Agent/RequestOperations/SetCatalogMetadata.py
            "OperationHandlers": {"SetCatalogMetadata": {
                "Location": "cwl2diracDIRAC/RequestManagementSystem/Agent/RequestOperations/SetCatalogMetadata",
                "LogLevel": "INFO", "MaxAttempts": 256, "TimeOut": 300}},
        },
        "WorkloadManagement/JobAgent": {
            "PollingTime": JOBAGENT_POLLING,
            "FillingModeFlag": True,
            # The JobAgent exits after that many cycles without a job (a pilot's end); the launcher starts a
            # new one at once. Kept small because each failed match makes the next wait longer (see
            # JOBAGENT_POLLING), so a new agent answers a new job sooner than a long-idle one.
            "StopAfterFailedMatches": 4,
            "StopOnApplicationFailure": False,
            "StopAfterHostFailures": 1000,
            "SubmissionDelay": 0,
            "MinimumTimeLeft": 0,
            "DefaultLogLevel": "INFO",
        },
        # As DIRAC's production agents: acts with the ProductionManager shifter's proxy (from the ProxyManager)
        "Production/ProductionControllerAgent": {"PollingTime": s.agent_cycle, "shifterProxy": "ProductionManager",
                                                 "MaxAttempts": 2, "StalledAfter": s.stalled_after},
    }
    systems: dict[str, Any] = {}
    for name, options in agents.items():
        system, agent = name.split("/")
        section = _component(system, "Agents", agent)
        # DIRAC's default MaxCycles is 500: the agent would exit after 500 cycles (83 min at 10 s)
        section.update({"MaxCycles": 0, "LogColor": False})
        merge(section, options)
        systems.setdefault(system, {}).setdefault("Agents", {})[agent] = section
    wms = systems.setdefault("WorkloadManagement", {})
    wms["Executors"] = {
        "Optimizers": {"Load": ["JobPath", "JobSanity", "InputData", "JobScheduling"], "LogColor": False},
        "JobPath": {},
        "JobSanity": {},
        "InputData": {},
        "JobScheduling": {},
    }
    # The job wrapper removes each job's working directory when it ends, unless CWL2DIRAC_SERVER_KEEP_JOBS=1
    # (to look at what a job left behind); accounting is off (LocalSite/DisableAccounting of the JobAgents). A job's
    # failover request may run at once (DIRAC's JobWrapper delays it by 45 minutes unless FailoverRequestDelay says).
    wms["JobWrapper"] = {"CleanUpFlag": not s.keep_jobs, "StopMargin": 0, "FailoverRequestDelay": 0}
    return systems


def _registry(s: Settings) -> dict[str, Any]:
    user_props = ["NormalUser"]
    prod_props = ["NormalUser", "ProductionManagement", "ProductionSharing", "ProductionUser", "JobSharing",
                  "FileCatalogManagement"]
    admin_props = ["NormalUser", "ServiceAdministrator", "CSAdministrator", "JobAdministrator", "FullDelegation",
                   "ProxyManagement", "Operator", "ProductionManagement", "FileCatalogManagement", "SiteManager"]
    host_props = ["TrustedHost", "CSAdministrator", "JobAdministrator", "FullDelegation", "ProxyManagement",
                  "Operator", "ProductionManagement", "GenericPilot", "ServiceAdministrator", "SiteManager",
                  "FileCatalogManagement"]
    return {
        "DefaultGroup": s.user_group,
        "DefaultProxyLifeTime": 604800,
        "Users": {s.user: {"DN": s.user_dn, "Email": f"{s.user}@localhost"}},
        "Groups": {
            s.user_group: {"Users": s.user, "Properties": user_props, "VO": s.vo},
            s.prod_group: {"Users": s.user, "Properties": prod_props, "VO": s.vo},
            s.admin_group: {"Users": s.user, "Properties": admin_props, "VO": s.vo},
        },
        "Hosts": {s.host: {"DN": s.host_dn, "Properties": host_props}},
        "VO": {s.vo: {"VOAdmin": s.user, "VOAdminGroup": s.admin_group, "DefaultGroup": s.user_group}},
    }


def _resources(s: Settings) -> dict[str, Any]:
    ses: dict[str, Any] = {}
    for se in STORAGE_ELEMENTS:
        ses[se] = {
            "BackendType": "local",
            "ReadAccess": "Active",
            "WriteAccess": "Active",
            "RemoveAccess": "Active",
            "CheckAccess": "Active",
            "File": {"Host": "", "Path": str(s.storage / se), "Protocol": "file", "PluginName": "File",
                     "Access": "remote", "SpaceToken": ""},
        }
    ses[SANDBOX_SE] = {
        "BackendType": "DISET",
        "DIP": {"Host": s.host, "Port": s.ports["WorkloadManagement/SandboxStore"], "Protocol": "dips",
                "PluginName": "DIP", "Path": "/WorkloadManagement/SandboxStore", "Access": "remote"},
    }
    grid, _name, _country = s.site.split(".")
    return {
        "Sites": {
            grid: {
                s.site: {
                    "Name": _name,
                    "CE": s.ce,
                    "SE": list(STORAGE_ELEMENTS),
                    "Coordinates": "0:0",
                    "CEs": {
                        s.ce: {
                            "CEType": "InProcess",
                            "Queues": {"local": {"maxCPUTime": 100000, "SI00": 2500, "MaxTotalJobs": 100,
                                                 "MaxWaitingJobs": 100}},
                        }
                    },
                }
            }
        },
        "StorageElements": ses,
        "StorageElementGroups": {
            "Tier1-USER": list(STORAGE_ELEMENTS[:1]),
            "Tier1-Failover": [STORAGE_ELEMENTS[1]],
            "SE-USER": list(STORAGE_ELEMENTS[:1]),
        },
        "Computing": {"OSCompatibility": {PLATFORM: COMPATIBLE_PLATFORMS}},
        "FileCatalogs": _file_catalogs(s),
    }


def _file_catalogs(s: Settings) -> dict[str, Any]:
    """The one catalog DIRAC uses (the master): the DIRAC File Catalog, or Rucio through the extension's client
    (``cwl2diracDIRAC/Resources/Catalog/RucioFileCatalogClient.py``; LFN ``/<vo>/<scope>/...`` → DID
    ``<scope>:<LFN>``, Rucio's ``dirac`` scope algorithm; the client's configuration is ``$RUCIO_CONFIG``)."""
    if s.catalog == "rucio":
        return {CATALOG_NAME[s.catalog]: {"AccessType": "Read-Write", "Status": "Active", "Master": True,
                                          "CatalogType": "RucioFileCatalog", "DiracScopeAlg": "dirac"}}
    return {CATALOG_NAME[s.catalog]: {"AccessType": "Read-Write", "Status": "Active", "Master": True,
                                      "CatalogType": "FileCatalog", "CatalogURL": "DataManagement/FileCatalog"}}


CATALOG_NAME = {"dfc": "FileCatalog", "rucio": "RucioFileCatalog"}


def _operations(s: Settings) -> dict[str, Any]:
    return {
        "Defaults": {
            "Services": {"Catalogs": {"CatalogList": CATALOG_NAME[s.catalog],
                                      CATALOG_NAME[s.catalog]: {"AccessType": "Read-Write", "Status": "Active",
                                                                "Master": True}}},
            "Shifter": {
                "ProductionManager": {"User": s.user, "Group": s.prod_group},
                "DataManager": {"User": s.user, "Group": s.prod_group},
                "SAMManager": {"User": s.user, "Group": s.admin_group},
            },
            # No accounting or monitoring backend (an empty Default): otherwise every data operation waits
            # for an Accounting service that is not there.
            "MonitoringBackends": {"Default": ""},
            "DataManagement": {
                "AccessProtocols": ["file", "dips"],
                "WriteProtocols": ["file", "dips"],
                "RegistrationProtocols": ["file", "dips"],
                "ThirdPartyProtocols": ["file"],
                "StageProtocols": ["file"],
                "SEsUsedForFailover": ["LOCAL-FAILOVER"],
                "SEsUsedForArchive": [],
                "SEGroup": "SE-USER",
            },
            "Transformations": {
                "DataProcessing": TRANSFORMATION_TYPES,
                "DataManipulation": ["Replication", "Removal"],
                "ExtendableTransfTypes": ["MCSimulation"],
            },
            "JobDescription": {
                "AllowedJobTypes": ["User", "Test", "Hospital", *TRANSFORMATION_TYPES],
                "ChoicesJobType": ["User", "Test", "Hospital", *TRANSFORMATION_TYPES],
            },
            "Pilot": {"CheckVersion": False},
            "InputDataPolicy": {
                "Download": "DIRAC.WorkloadManagementSystem.Client.DownloadInputData",
                "Protocol": "DIRAC.WorkloadManagementSystem.Client.InputDataByProtocol",
                "InputDataModule": "DIRAC.WorkloadManagementSystem.Client.InputDataResolution",
                "Default": "DIRAC.WorkloadManagementSystem.Client.DownloadInputData",
            },
            "Logging": {"DefaultOutputSandbox": "Job*.log, std.out, std.err"},
        }
    }


def served(s: Settings) -> dict[str, Any]:
    systems = merge(_services(s), _agents(s))
    resources = _resources(s)
    return {
        "DIRAC": {
            "VirtualOrganization": s.vo,
            "Configuration": {"Name": s.setup, "Servers": s.url("Configuration/Server"),
                              "MasterServer": s.url("Configuration/Server")},
        },
        # DIRAC 9 would exchange every proxy for a DiracX token; there is no DiracX here
        "DiracX": {"DisabledVOs": s.vo},
        "Systems": systems,
        "Registry": _registry(s),
        "Resources": resources,
        "Operations": _operations(s),
        "WebApp": {},
    }


# ---------------------------------------------------------------------------------------------------------------
# Local files


def _security(s: Settings, server_certificate: bool) -> dict[str, Any]:
    sec: dict[str, Any] = {"Grid-Security": str(s.grid_security), "CALocation": str(s.cert_dir)}
    if server_certificate:
        sec.update({"CertFile": str(s.grid_security / "hostcert.pem"), "KeyFile": str(s.grid_security / "hostkey.pem")})
    return sec


def _local_site(s: Settings) -> dict[str, Any]:
    return {"Site": s.site, "LocalSE": STORAGE_ELEMENTS[0], "DisableAccounting": True}


def server_local(s: Settings) -> dict[str, Any]:
    dbs: dict[str, Any] = {}
    for system, names in DATABASES.items():
        dbs[system] = {"Databases": {n: {"DBName": n} for n in names}}
    return merge(
        {
            "DIRAC": {
                "VirtualOrganization": s.vo,
                # The host name in the services' own URLs (default: the machine's FQDN, which the host
                # certificate does not name; the master CS would publish dips://<fqdn>:... as its URL)
                "Hostname": s.host,
                "Configuration": {"Name": s.setup, "Servers": s.url("Configuration/Server")},
                "Security": _security(s, server_certificate=True),
            },
            "LocalSite": _local_site(s),
            "LogColor": False,
            "Systems": {
                "Databases": {"User": s.db_user, "Password": db_password(s), "Host": "127.0.0.1",
                              "Port": s.ports["MariaDB"]},
                # DIRAC 9.1 keeps job parameters only in OpenSearch; a section pointing at a loopback port where
                # nothing listens lets the job services start (job parameters then answer "Not connected").
                "NoSQLDatabases": {"Host": "127.0.0.1", "Port": s.ports["OpenSearch"], "User": "none",
                                   "Password": "none", "SSL": False},
            },
        },
        {"Systems": dbs},
    )


def client(s: Settings) -> dict[str, Any]:
    return {
        "DIRAC": {
            "VirtualOrganization": s.vo,
            "Configuration": {"Servers": s.url("Configuration/Server")},
            "Security": _security(s, server_certificate=False),
        },
        "LocalSite": {"Site": s.site, "LocalSE": STORAGE_ELEMENTS[0], "DisableAccounting": True},
    }


def jobagent_local(s: Settings, n: int) -> dict[str, Any]:
    local = _local_site(s)
    local.update({
        "GridCE": s.ce,
        "CEQueue": "local",
        # Pool/InProcess, as DIRAC's pilots run: the Pool CE advertises its processors and RAM to the Matcher
        # and runs each job with an InProcess CE (DIRAC's job wrapper in a subprocess). A bare InProcess CE
        # advertises the RAM and processors of its last job (0 and 1 before its first one) in 9.1.22, so a
        # fresh JobAgent never matched a job with a RAM requirement (cwl2dirac bodies set MinRAM from ramMin).
        "LocalCE": "Pool/InProcess",
        "CPUNormalizationFactor": 10.0,
        "CPUTimeLeft": 10**9,
        "PilotReference": f"local-jobagent-{n}",
        "SharedArea": str(s.state / "shared"),
        # The machine's cores shared between the JobAgents (a job asking for more cores than one JobAgent has
        # never matches: use fewer JobAgents for multi-core jobs); the whole memory for each (RAM requirements
        # are matching hints here)
        "NumberOfProcessors": max(1, (os.cpu_count() or 1) // max(1, s.jobagents)),
        "MaxRAM": _mem_mb(),
        # The DIRAC platform jobs may ask for (dirac:Job platform; see Resources/Computing/OSCompatibility).
        # Not "Architecture", which would replace it.
        "Platform": PLATFORM,
        "InstancePath": str(s.jobagent_root(n)),
    })
    return {
        "DIRAC": {
            "VirtualOrganization": s.vo,
            "Hostname": s.host,
            "Configuration": {"Servers": s.url("Configuration/Server")},
            "Security": _security(s, server_certificate=True),
        },
        "LocalSite": local,
        "LogColor": False,
    }


def write_all(s: Settings) -> None:
    write(s.server_cfg, server_local(s), "Local configuration of the server processes (DIRAC_ROOT_PATH)")
    served_tree = served(s)
    write(s.cs_data_cfg, served_tree, "Served by the Configuration Server of the cwl2dirac local DIRAC server")
    # The master needs its own service section locally: DIRAC checks it before loading what it serves
    master = {
        "DIRAC": {"Configuration": {"Master": "yes", "Name": s.setup}},
        "Systems": {"Configuration": served_tree["Systems"]["Configuration"]},
    }
    write(s.cs_master_cfg, master, "The Configuration Server process: the master")
    write(s.client_cfg, client(s), "Client configuration: eval \"$(scripts/dirac-server.sh env)\"")
    for n in range(1, s.jobagents + 1):
        write(s.jobagent_root(n) / "etc" / "dirac.cfg", jobagent_local(s, n), f"JobAgent {n} (rewritten by it)")
    for se in STORAGE_ELEMENTS:
        (s.storage / se).mkdir(parents=True, exist_ok=True)
    (s.storage / "sandboxes").mkdir(parents=True, exist_ok=True)
