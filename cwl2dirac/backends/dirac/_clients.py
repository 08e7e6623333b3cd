"""The DIRAC clients cwl2dirac talks to, made by one injectable factory.

:class:`DiracClients` makes DIRAC's real clients (after :meth:`~DiracClients.initialize`); a test hands the backend
another factory, e.g. DIRAC's own client classes over a recording transport, and runs the real call sequences
in-process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.errors import BackendError


class DiracClients:
    """Makes the DIRAC clients cwl2dirac talks to; DIRAC's real ones by default."""

    def __init__(self, config_files: Sequence[str | Path] = (), *, quiet: bool = True) -> None:
        self.config_files = [Path(p) for p in config_files]
        self.quiet = quiet
        """Whether DIRAC's own log messages are silenced (:func:`~._boundary.quiet_dirac_logging`); not in a DIRAC
        agent's process, whose log they are."""
        self._initialized = False
        self._file_catalog: Any = None
        self._catalog_name = "FileCatalog"
        self._collections: dict[str, list[str]] = {}

    def initialize(self) -> None:
        """Make DIRAC ready to talk to its servers; one line naming what is missing otherwise (configuration,
        Configuration Server, CA certificates, proxy)."""
        if self._initialized:
            return
        _boundary.prepare_for_server()
        for path in self.config_files:
            if not path.is_file():
                raise BackendError(f"DIRAC configuration {path} does not exist")
        import DIRAC
        from DIRAC.Core.Utilities.exceptions import DIRACInitError

        try:
            DIRAC.initialize(require_auth=False, extra_config_files=[str(p) for p in self.config_files])
        except DIRACInitError as exc:
            raise BackendError(f"no DIRAC configuration: {exc}") from exc
        if self.quiet:
            _boundary.quiet_dirac_logging()
        from DIRAC import gConfig

        servers = gConfig.getServersList()
        if not servers and not gConfig.getValue("/Systems/Production/URLs/ProductionManager", ""):
            raise BackendError(
                "no DIRAC configuration: no Configuration Server and no ProductionManager URL "
                f"(DIRAC root {DIRAC.rootPath}); give --dirac-cfg FILE or set DIRACSYSCONFIG "
                "(for a DIRAC on this machine: eval \"$(scripts/dirac-server.sh env)\")"
            )
        self._check_credentials()
        if servers and not gConfig.getSections("/Resources")["OK"]:
            raise BackendError(
                f"cannot reach the DIRAC Configuration Server {', '.join(servers)}: is it running? "
                "(for a DIRAC on this machine: scripts/dirac-server.sh status)"
            )
        self._initialized = True

    @staticmethod
    def _check_credentials() -> None:
        """A CA directory and a valid proxy, checked before the first call (DIRAC's own errors about them
        name a missing configuration section instead)."""
        from DIRAC.Core.Security import Locations
        from DIRAC.Core.Security.ProxyInfo import getProxyInfo

        cas = Locations.getCAsLocation()
        if not cas or not Path(cas).is_dir() or not any(Path(cas).iterdir()):
            raise BackendError(
                f"no CA certificates (directory {cas or os.environ.get('X509_CERT_DIR') or 'not set'}): set "
                "X509_CERT_DIR to the directory of the grid's CA certificates"
            )
        proxy = Locations.getProxyLocation()
        if not proxy:
            raise BackendError("no grid proxy (X509_USER_PROXY unset or not a file): run dirac-proxy-init")
        info = getProxyInfo(proxy, disableVOMS=True)
        if not info["OK"]:
            raise BackendError(f"the grid proxy {proxy} cannot be read ({info['Message']}): run dirac-proxy-init")
        if int(info["Value"].get("secondsLeft", 0)) <= 0:
            raise BackendError(f"the grid proxy {proxy} has expired: run dirac-proxy-init")

    def production(self) -> Any:
        from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

        return timed(ProductionClient())

    def production_version(self) -> tuple[int, int, int] | None:
        """The DIRAC version of the ProductionManager (its ``ping``); None when it does not say (the submission's
        own calls then say what is wrong)."""
        from cwl2dirac.backends.dirac.versions import parse_version

        result = self.production().ping()
        if not result.get("OK"):
            return None
        return parse_version((result.get("Value") or {}).get("version"))

    def transformation(self) -> Any:
        from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

        return timed(TransformationClient())

    def catalog(self) -> Any:
        from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

        return FileCatalog()

    def sites(self) -> set[str]:
        """The sites the Configuration Service defines."""
        from DIRAC.ConfigurationSystem.Client.Helpers.Resources import getSites

        return set(_boundary.ok(getSites(), "DIRAC sites") or [])

    def platforms(self) -> set[str] | None:
        """The platforms the Configuration Service defines (None: it defines none to check against)."""
        from DIRAC.ConfigurationSystem.Client.Helpers.Resources import getDIRACPlatforms

        result = getDIRACPlatforms()
        return set(result["Value"]) if result["OK"] else None

    def file_catalog(self) -> Any:
        """The client of the master catalog that DIRAC is configured with (``Resources/FileCatalogs``, made as
        DIRAC's ``FileCatalog`` makes it, an extension's class first): the DIRAC File Catalog's own client (its
        failed calls carry the ``rpcStub`` of a failover request), or e.g. Rucio's (``RucioFileCatalogClient``,
        docs/rucio.md); without a master, the first writable one. A catalog DIRAC cannot make is a
        :class:`BackendError`, never another catalog."""
        if self._file_catalog is None:
            from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
            from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient

            catalogs = FileCatalog()
            writable = catalogs.getWriteCatalogs()
            chosen = [(name, client) for name, client, master in writable if master] or [
                (name, client) for name, client, _master in writable
            ]
            if not catalogs.isOK() or not chosen:
                # never another catalog than the one configured (e.g. the DFC when Rucio's client cannot load)
                raise BackendError(
                    "DIRAC could not make its file catalog (Resources/FileCatalogs, Operations/.../Services/Catalogs"
                    "/CatalogList): a catalog plugin failed to load or none is writable (for Rucio: is its client "
                    "installed and RUCIO_CONFIG set?)"
                )
            self._catalog_name, catalog = chosen[0]
            self._file_catalog = timed(catalog) if isinstance(catalog, FileCatalogClient) else catalog
        return self._file_catalog

    def catalog_name(self) -> str:
        """The master catalog's name in the configuration (``Resources/FileCatalogs/<name>``): what a failover
        request's ``RegisterFile`` names."""
        self.file_catalog()
        return self._catalog_name

    def catalog_is_rucio(self) -> bool:
        """Whether the master catalog is Rucio (a ``RucioFileCatalogClient``: no DISET service behind it)."""
        return "Rucio" in type(self.file_catalog()).__name__

    def rucio_collection(self, did: str) -> list[str]:
        """The LFNs of the Rucio dataset or container ``did`` (``scope:name``), listed once per client (the
        compiler checks it, the submission takes its files: one listing)."""
        if did not in self._collections:
            from cwl2dirac.backends.rucio.catalog import collection_files

            self._collections[did] = collection_files(self.file_catalog().client, did)
        return self._collections[did]

    def data_manager(self) -> Any:
        from DIRAC.DataManagementSystem.Client.DataManager import DataManager

        return DataManager()

    def storage_element(self, name: str) -> Any:
        from DIRAC.Resources.Storage.StorageElement import StorageElement

        return StorageElement(name)

    def requests(self) -> Any:
        from DIRAC.RequestManagementSystem.Client.ReqClient import ReqClient

        return timed(ReqClient())

    def storage_elements(self) -> set[str] | None:
        """The storage elements the Configuration Service defines (None: it defines none to check against)."""
        from DIRAC import gConfig

        result = gConfig.getSections("/Resources/StorageElements")
        return set(result["Value"]) if result["OK"] else None

    def input_se(self, request: Any) -> str:
        """Where a submission uploads the workflow's local input files: this site's ``/LocalSite/LocalSE``, else
        the SE of the first step that names one."""
        from DIRAC import gConfig

        local = gConfig.getValue("/LocalSite/LocalSE", [])
        if local:
            return str(local[0])
        for spec in request.steps:
            if spec.config.output_se:
                return str(spec.config.output_se)
        raise BackendError(
            "no storage element for the workflow's input files: set /LocalSite/LocalSE in the DIRAC configuration, "
            "or dirac:Job.output_se"
        )

    def vo(self) -> str:
        """The virtual organisation of the configuration (the first part of every LFN)."""
        from DIRAC import gConfig

        return str(gConfig.getValue("/DIRAC/VirtualOrganization", "") or "")


def timed(client: Any) -> Any:
    """A DIRAC client whose calls give up after :func:`~cwl2dirac.backends.dirac._boundary.call_timeout` seconds
    (DIRAC's default, 600 s, makes a stopped service hang its callers for ten minutes a call)."""
    client.timeout = _boundary.call_timeout()
    return client
