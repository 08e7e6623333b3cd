"""The DIRAC backend: a ProductionRequest as DIRAC ProductionSteps, a dry run, and the submission sequence.

Submission follows what DIRAC's ProductionSystem expects (see docs/dirac-mapping.md): declare the catalog
metadata fields, ``ProductionClient.addProductionStep`` for every step (parents first), ``addProduction`` with
the production description, ``startProduction`` (DIRAC validates every link, creates one transformation per
step and links them), then ``extendTransformation`` for steps without input data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TextIO

from cwl2dirac.backends.base import Production, ProductionStatus
from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac.validator import check_links
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest, StepSpec, parents_first


class DiracClients:
    """Makes the DIRAC clients a submission talks to; DIRAC's real ones by default.

    A test hands :class:`DiracBackend` another factory (e.g. DIRAC's own clients over a recording transport) and
    runs the real submission sequence in-process.
    """

    def __init__(self, config_files: Sequence[str | Path] = ()) -> None:
        self.config_files = [Path(p) for p in config_files]

    def initialize(self) -> None:
        """Make DIRAC ready to talk to its servers (configuration, certificates)."""
        _boundary.prepare_for_server()
        import DIRAC
        from DIRAC.Core.Utilities.exceptions import DIRACInitError

        try:
            DIRAC.initialize(require_auth=False, extra_config_files=[str(p) for p in self.config_files])
        except DIRACInitError as exc:
            raise BackendError(f"no DIRAC configuration: {exc}") from exc
        from DIRAC import gConfig

        if not gConfig.getServersList() and not gConfig.getValue(
            "/Systems/Production/URLs/ProductionManager", ""
        ):
            raise BackendError(
                "no DIRAC configuration: no Configuration Server and no ProductionManager URL "
                f"(DIRAC root {DIRAC.rootPath}; give a dirac.cfg)"
            )

    def production(self) -> Any:
        from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

        return ProductionClient()

    def transformation(self) -> Any:
        from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

        return TransformationClient()

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


def needs_extension(step: StepSpec) -> bool:
    """A step whose tasks are created by ``extendTransformation`` (no input query), e.g. a simulation."""
    return not step.input_query


class _RecordingRPC:
    """Stands in for the ProductionManager service during a dry run: records what would be sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def addProductionStep(self, prod_step: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("addProductionStep", (prod_step,)))
        return {"OK": True, "Value": None}  # the step id is assigned by the server


class DiracBackend:
    """Turns a ProductionRequest into DIRAC Production System calls.

    ``config_files``: extra DIRAC configuration files merged into the local configuration before submitting;
    ``clients``: what makes the DIRAC clients (default: DIRAC's real ones, :class:`DiracClients`).
    """

    name: ClassVar[str] = "dirac"

    def __init__(self, config_files: Sequence[str | Path] = (), clients: DiracClients | None = None) -> None:
        self.config_files = [Path(p) for p in config_files]
        self.clients = clients or DiracClients(self.config_files)

    # -- offline ---------------------------------------------------------------------------------------------
    def to_production_steps(self, request: ProductionRequest) -> list[Any]:
        """One ``DIRAC.ProductionSystem.Client.ProductionStep.ProductionStep`` per step, parents first.

        ``Name`` is the step's ``dirac_name`` (``addProductionStep`` will prefix ``Step<n>_``);
        ``ParentStep`` is
        the parent ProductionStep object (one parent) or a list of them.
        """
        _boundary.prepare()
        from DIRAC.ProductionSystem.Client.ProductionStep import ProductionStep

        made: dict[str, Any] = {}
        for spec in parents_first(request):
            ps = ProductionStep()
            ps.Name = spec.dirac_name
            ps.Description = spec.description or spec.name
            ps.LongDescription = (
                f"cwl2dirac step '{spec.name}' of production '{request.name}' ({request.source})"
            )
            ps.Type = spec.type
            ps.Plugin = spec.plugin
            ps.AgentType = spec.agent_type
            ps.FileMask = spec.file_mask
            parents = [made[p] for p in spec.parents]
            ps.ParentStep = parents[0] if len(parents) == 1 else (parents or None)
            ps.Inputquery = dict(spec.input_query) if spec.input_query else None
            ps.Outputquery = dict(spec.output_query)
            ps.GroupSize = spec.group_size
            ps.Body = spec.body
            made[spec.name] = ps
        return list(made.values())

    def describe(self, request: ProductionRequest) -> dict[str, Any]:
        """Exactly what :meth:`submit` would send, computed offline.

        DIRAC's real ``ProductionClient.addProductionStep`` runs on the real ProductionSteps, with the service
        replaced by a recorder. ``steps``: the dictionaries sent to the ProductionManager
        (``ProductionStep.getAsDict``, names ``Step<n>_<name>``); ``production_description``: the JSON given
        to ``addProduction`` (``stepID`` values are assigned by the server, hence null here);
        ``metadata_fields``: declared in the catalog first; ``extend_transformations``: tasks added to each
        step without input data (null: unknown at compile time).
        """
        check_links(request)
        client, rpc = self._recording_client()
        specs = parents_first(request)
        steps = self.to_production_steps(request)
        for ps in steps:
            _boundary.ok(client.addProductionStep(ps), f"step '{ps.Name}'")
        return {
            "production": request.name,
            "schema_version": request.schema_version,
            "steps": [args[0] for call, args in rpc.calls if call == "addProductionStep"],
            "production_description": client.prodDescription,
            "step_names": {spec.name: ps.Name for spec, ps in zip(specs, steps, strict=True)},
            "metadata_fields": dict(sorted(request.metadata_fields.items())),
            "extend_transformations": {
                ps.Name: spec.tasks for spec, ps in zip(specs, steps, strict=True) if needs_extension(spec)
            },
        }

    def dry_run(self, request: ProductionRequest, out: TextIO) -> None:
        """Print :meth:`describe` as JSON."""
        json.dump(self.describe(request), out, indent=2, sort_keys=True)
        out.write("\n")

    @staticmethod
    def _recording_client() -> tuple[Any, _RecordingRPC]:
        _boundary.prepare()
        from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

        rpc = _RecordingRPC()

        class _OfflineProductionClient(ProductionClient):
            def _getRPC(self, *args: Any, **kwargs: Any) -> _RecordingRPC:
                return rpc

        return _OfflineProductionClient(), rpc

    # -- against a DIRAC server ------------------------------------------------------------------------------
    def check_resources(self, request: ProductionRequest) -> None:
        """Check the sites and platforms named in the bodies against the DIRAC configuration."""
        sites = self.clients.sites()
        platforms = self.clients.platforms()
        for spec in request.steps:
            params = body_parameters(spec.body)
            for site in filter(None, params.get("Site", "").split(";")):
                if site not in sites:
                    raise BackendError(f"step '{spec.name}': site '{site}' is not defined in DIRAC")
            platform = params.get("Platform")
            if platform and platforms is not None and platform not in platforms:
                raise BackendError(f"step '{spec.name}': platform '{platform}' is not defined in DIRAC")

    def submit(self, request: ProductionRequest) -> Production:
        """Create and start the production; extend the transformations without input data.

        Raises :class:`ValidationError` for a link DIRAC would refuse, :class:`BackendError` for anything
        DIRAC refuses (or "no DIRAC configuration" when no server is configured).
        """
        check_links(request)
        self.clients.initialize()
        self.check_resources(request)
        self.declare_metadata_fields(request)
        client = self.clients.production()
        steps = self.to_production_steps(request)
        names = [s.name for s in parents_first(request)]
        for ps in steps:
            _boundary.ok(client.addProductionStep(ps), f"addProductionStep '{ps.Name}'")
        prod_id = _boundary.ok(
            client.addProduction(request.name, json.dumps(client.prodDescription)),
            f"addProduction '{request.name}'",
        )
        _boundary.ok(client.startProduction(request.name), f"startProduction '{request.name}'")
        if not isinstance(prod_id, int):
            raise BackendError(f"addProduction '{request.name}' returned {prod_id!r}, not a production id")
        transformations: dict[str, int] = {}
        extended: dict[str, int] = {}
        trans_client = self.clients.transformation()
        for ps, spec_name in zip(steps, names, strict=True):
            spec = request.step(spec_name)
            # ProdTransManager names each transformation "%08d_<step name>" (production id first).
            trans_name = f"{prod_id:08d}_{ps.Name}"
            trans = _boundary.ok(trans_client.getTransformation(trans_name), f"transformation '{trans_name}'")
            trans_id = int(trans["TransformationID"])
            transformations[spec_name] = trans_id
            if needs_extension(spec) and spec.tasks:
                _boundary.ok(
                    trans_client.extendTransformation(trans_id, spec.tasks),
                    f"extendTransformation {trans_id} ({spec.tasks} tasks)",
                )
                extended[spec_name] = spec.tasks
        return Production(
            backend=self.name,
            name=request.name,
            id=str(prod_id),
            transformations=transformations,
            extended=extended,
        )

    def wait(self, production: Production) -> ProductionStatus:
        raise BackendError("following a DIRAC production is not available yet: use DIRAC's own monitoring")

    def status(self, production: Production) -> ProductionStatus:
        raise BackendError("the status of a DIRAC production is not available yet: use DIRAC's own monitoring")

    def outputs(self, production: Production, outdir: Path) -> dict[str, Any]:
        raise BackendError("downloading a DIRAC production's outputs is not available yet")

    def declare_metadata_fields(self, request: ProductionRequest) -> None:
        """Declare in the File Catalog (file level) the request's fields that it does not know yet."""
        catalog = self.clients.catalog()
        known = _boundary.ok(catalog.getMetadataFields(), "getMetadataFields") or {}
        existing = {
            **dict(known.get("DirectoryMetaFields", {})),
            **dict(known.get("FileMetaFields", {})),
        }
        for name, mtype in sorted(request.metadata_fields.items()):
            if name in existing:
                if str(existing[name]).lower() != mtype.lower():
                    raise BackendError(
                        f"catalog field '{name}' has type {existing[name]}, the request needs {mtype}"
                    )
                continue
            _boundary.ok(catalog.addMetadataField(name, mtype, "-f"), f"addMetadataField '{name}'")


def body_parameters(body: str) -> dict[str, str]:
    """The workflow-level parameters of a job template (name -> value as text), read with DIRAC's parser."""
    _boundary.prepare()
    from DIRAC.Core.Workflow.Workflow import fromXMLString

    workflow = fromXMLString(body)
    return {p.getName(): str(p.getValue()) for p in workflow.parameters}
