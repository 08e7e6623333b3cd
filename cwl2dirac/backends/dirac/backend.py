"""The DIRAC backend: a ProductionRequest submitted to DIRAC's Production System, followed, and its outputs fetched.

- :meth:`DiracBackend.submit`: the resumable submission (:mod:`~cwl2dirac.backends.dirac.submission`);
- :meth:`DiracBackend.status`: each transformation's tasks and files (:mod:`~cwl2dirac.backends.dirac.status`);
- :meth:`DiracBackend.wait`: follows the production until it is complete or a task failed, with the same live
  display as a local run;
- :meth:`DiracBackend.outputs`: the workflow's output object, its files downloaded;
- :meth:`DiracBackend.describe`: what a submission sends, offline (a dry run).
"""

from __future__ import annotations

import functools
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from cwl2dirac.backends.base import DatasetResolver, FailedTask, Production, ProductionStatus, StepStatus
from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients
from cwl2dirac.backends.dirac.recovery import DETERMINISTIC
from cwl2dirac.backends.dirac.status import FINAL_FAILED, ProductionView, Transformation, bucket
from cwl2dirac.backends.dirac.submission import (
    Submission,
    fingerprint,
    namespace_problem,
    production_steps,
)
from cwl2dirac.backends.dirac.validator import check_links
from cwl2dirac.backends.dirac.versions import stores_unescaped, unescaped_sql_problems, version_problem
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest, StepSpec, parents_first
from cwl2dirac.request.wire import EXIT_DETERMINISTIC, FIELD_DATASET, safe_name

if TYPE_CHECKING:
    from cwl2dirac.backends.local.progress import Mode


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
    """A production request on DIRAC (nothing is asked of DIRAC before the first call that needs it).

    ``config_files``: a DIRAC configuration file, or several, merged into the local configuration (default:
    ``$DIRACSYSCONFIG`` / the installation's ``dirac.cfg``); ``clients``: what
    makes the DIRAC clients (default: DIRAC's real ones, :class:`DiracClients`); ``progress``: the live display
    of :meth:`wait` (``live``, ``plain``, ``quiet``; None: live on a terminal); ``poll``: seconds between two looks
    at the production; ``drive``: also run the production controller's pass at each look (for a DIRAC without
    the cwl2dirac agent); ``timeout``: seconds :meth:`wait` follows at most (None: until the end).
    """

    name: ClassVar[str] = "dirac"
    job_templates: ClassVar[bool] = True

    def __init__(
        self,
        *,
        config_files: str | Path | Sequence[str | Path] = (),
        clients: DiracClients | None = None,
        progress: Mode | None = "quiet",
        poll: float = 5.0,
        drive: bool = False,
        timeout: float | None = None,
    ) -> None:
        files = [config_files] if isinstance(config_files, str | Path) else config_files
        self.config_files = [Path(p) for p in files]
        self.clients = clients or DiracClients(self.config_files)
        self.progress: Mode | None = progress
        self.poll = poll
        self.drive = drive
        self.timeout = timeout
        self._requests: dict[str, ProductionRequest] = {}
        self._views: dict[str, ProductionView] = {}
        """One view per production followed by :meth:`status`: a refresh then reads only what changes."""

    # -- offline ---------------------------------------------------------------------------------------------
    def to_production_steps(self, request: ProductionRequest) -> list[Any]:
        """One DIRAC ``ProductionStep`` per step, parents first, as :meth:`submit` sends them."""
        return production_steps(request, fingerprint(request))

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
    def namespace(self) -> str:
        """The VO's LFN namespace, ``/<vo>`` (where a submission puts its files when not told otherwise)."""
        self.clients.initialize()
        vo = self.clients.vo()
        return f"/{vo}" if vo else ""

    def dataset_resolver(self) -> DatasetResolver:
        """The File Catalog's datasets (:func:`~cwl2dirac.backends.dirac.datasets.dataset_query`), each asked for
        once; DIRAC is initialised at the first one."""
        from cwl2dirac.backends.dirac.datasets import dataset_query

        @functools.cache
        def resolve(name: str) -> dict[str, Any]:
            self.clients.initialize()
            if self.clients.catalog_is_rucio():
                # a Rucio dataset or container (scope:name) is files, not a meta-query: the query keeps standing
                # for it, and the submission gives its files that metadata (Submission._rucio_dataset_entries)
                self.clients.rucio_collection(name)  # exists, holds DIRAC-named files (listed once: kept)
                return {FIELD_DATASET: name}
            return dataset_query(name, self.clients.file_catalog())

        return lambda name: dict(resolve(name))

    def find(self, production: str | Path) -> Production:
        """A production's id or name (DIRAC finds either)."""
        return Production(self.name, str(production), str(production))

    def check_resources(self, request: ProductionRequest) -> None:
        """Check the sites, platforms and storage elements the request names against the DIRAC configuration."""
        sites = self.clients.sites()
        platforms = self.clients.platforms()
        ses = self.clients.storage_elements()
        for spec in request.steps:
            params = body_parameters(spec.body) if spec.body else {}
            for site in filter(None, params.get("Site", "").split(";")):
                if site not in sites:
                    raise BackendError(f"step '{spec.name}': site '{site}' is not defined in DIRAC")
            platform = params.get("Platform")
            if platform and platforms is not None and platform not in platforms:
                raise BackendError(f"step '{spec.name}': platform '{platform}' is not defined in DIRAC")
            se = spec.config.output_se
            if se and ses is not None and se not in ses:
                known = ", ".join(sorted(ses))
                raise BackendError(f"step '{spec.name}': storage element '{se}' is not in DIRAC (known: {known})")
            if not spec.body:
                raise BackendError(f"step '{spec.name}' has no job template: compile it with job templates (bodies)")

    def check_server(self, request: ProductionRequest, steps: list[Any]) -> None:
        """Refuse a ProductionManager of a DIRAC version that cannot work, and, on one older than 9.1.13, what its
        unescaped SQL would damage (``versions``), before anything is sent."""
        version = self.clients.production_version()
        problem = version_problem(version)
        if problem:
            raise BackendError(problem)
        if stores_unescaped(version):
            problems = unescaped_sql_problems(steps, request.name)
            if problems:
                shown = ".".join(map(str, version or ()))
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise BackendError(
                    f"{problems[0]}{more}: the DIRAC server's Production System ({shown}, older than 9.1.13) "
                    "stores it in SQL unescaped; rename it, or submit to DIRAC 9.1.18 or later"
                )

    def submit(self, request: ProductionRequest) -> Production:
        """Create, start and extend the production (or find the one this request made and finish what is missing).

        Raises :class:`ValidationError` for a link DIRAC would refuse, :class:`BackendError` for anything
        DIRAC refuses or misses (configuration, proxy, sites, storage, a name taken by another production).
        """
        check_links(request)
        self.clients.initialize()
        problem = namespace_problem(request, self.clients.vo())
        if problem:
            raise BackendError(problem)
        self.check_resources(request)
        steps = self.to_production_steps(request)
        self.check_server(request, steps)
        if self.clients.catalog_is_rucio():  # each LFN's Rucio scope (its second part) exists, or is made now
            from cwl2dirac.backends.rucio.catalog import ensure_scopes

            bases = [spec.config.output_path for spec in request.steps]
            ensure_scopes(self.clients.file_catalog().client, [*bases, self.namespace() + f"/{request.name}"])
        submission = Submission(request, self.clients, steps)
        submission.declare_fields()
        found = submission.existing()
        input_se = self.clients.input_se(request)
        prod_id = submission.establish(found)
        transformations = submission.transformations(prod_id)
        submission.hold(transformations)
        submission.annotate(transformations)
        submission.register_inputs(self.namespace() + f"/{request.name}", input_se)
        submission.inputs_registered(transformations)
        extended = submission.extend(transformations)
        self._requests[str(prod_id)] = request
        return Production(
            backend=self.name,
            name=request.name,
            id=str(prod_id),
            transformations=transformations,
            extended=extended,
        )

    def request(self, production: Production) -> ProductionRequest:
        """The request ``production`` was made from (the submission keeps it in the transformations)."""
        request = self._requests.get(production.id)
        if request is None:
            self.clients.initialize()
            request = self._requests[production.id] = ProductionView(self.clients, production.id).request()
        return request

    def status(self, production: Production) -> ProductionStatus:
        self.clients.initialize()
        view = self._views.setdefault(production.id, ProductionView(self.clients, production.id))
        trans = view.snapshot()
        return replace(_status(production, trans), request=view.request())

    def wait(self, production: Production) -> ProductionStatus:
        """Follow the production until every step is complete, a task failed, or ``timeout`` passed."""
        from cwl2dirac.backends.local.progress import Progress, StepCounts

        self.clients.initialize()
        view = ProductionView(self.clients, production.id)
        progress = Progress(mode=self.progress)
        latest: list[Transformation] = []

        def counts() -> list[StepCounts]:
            out = []
            for t in latest:
                c = StepCounts(t.step, complete=t.complete)
                for status in t.tasks.values():
                    key = bucket(status)
                    setattr(c, key, getattr(c, key) + 1)
                c.files_done = t.files.get("Processed", 0)
                c.files_waiting = t.files.get("Unused", 0)
                c.files_running = t.files.get("Assigned", 0)
                c.files_failed = t.files.get("Problematic", 0) + t.files.get("MaxReset", 0)
                out.append(c)
            return out

        t0 = time.monotonic()
        announced: set[str] = set()
        reported: set[tuple[str, int]] = set()
        with progress.live(counts):
            while True:
                if self.drive:
                    from cwl2dirac.backends.dirac.controller import run_cycle

                    run_cycle(self.clients, productions=[production.name])
                latest[:] = view.snapshot()
                status = _status(production, latest)
                for t in latest:
                    if t.complete and t.step not in announced:
                        announced.add(t.step)
                        progress.step_complete(t.step, len(t.tasks))
                for f in status.failed:
                    if (f.step, f.task) not in reported:
                        reported.add((f.step, f.task))
                        progress.task_failed(f.step, f.task, f.attempts, str(f.message), f.log)
                if status.complete or status.failed:
                    return status
                if self.timeout is not None and time.monotonic() - t0 > self.timeout:
                    raise BackendError(
                        f"production {production.name} ({production.id}) not complete after {self.timeout:.0f} s; "
                        f"it goes on: cwl2dirac status {production.id}"
                    )
                time.sleep(self.poll)

    def outputs(self, production: Production, outdir: Path) -> dict[str, Any]:
        """The workflow's output object, its files downloaded into ``outdir``."""
        from cwl2dirac.backends.dirac.catalog import DiracCatalog
        from cwl2dirac.backends.outputs import collect_outputs

        self.clients.initialize()
        request = self.request(production)
        catalog = DiracCatalog(None, clients=self.clients, job_dir=outdir / ".cwl2dirac-download")
        view = ProductionView(self.clients, production.id)
        downloads = _Downloads(catalog, view, outdir)
        try:
            return collect_outputs(request, downloads, outdir)
        finally:  # the outputs are hard links (or copies) of the downloads
            shutil.rmtree(downloads.staging, ignore_errors=True)

    def fetch_logs(self, status: ProductionStatus, dest: Path) -> ProductionStatus:
        """``status`` with each failed task's log downloaded (its job's output sandbox) into ``dest``."""
        from DIRAC.Interfaces.API.Dirac import Dirac

        failed = []
        for f in status.failed:
            job = f.log.split()[2].rstrip(":") if f.log and f.log.startswith("DIRAC job ") else ""
            where = dest / safe_name(f.step) / f"{f.task:08d}"
            if job.isdigit() and Dirac().getOutputSandbox(int(job), outputDir=str(where))["OK"]:
                logs = sorted((where / job).glob("*.log"))
                failed.append(replace(f, log=str(next((p for p in logs if "worker" in p.name), where / job))))
            else:
                failed.append(f)
        return replace(status, failed=tuple(failed))

    def declare_metadata_fields(self, request: ProductionRequest) -> dict[str, str]:
        """Declare in the File Catalog (file level) the request's fields that it does not know yet."""
        self.clients.initialize()
        return Submission(request, self.clients, []).declare_fields()


class _Downloads:
    """The output collector's view of a DIRAC production: the File Catalog, files downloaded on demand."""

    def __init__(self, catalog: Any, view: ProductionView, outdir: Path) -> None:
        self.catalog = catalog
        self.view = view
        self.staging = outdir / ".cwl2dirac-download"
        self._tasks: dict[str, list[tuple[int, list[str]]]] | None = None

    def find(self, query: Any) -> Any:
        return self.catalog.find(query)

    def fetch(self, lfn: str) -> Path:
        return Path(self.catalog.get(lfn, self.staging / lfn.lstrip("/").rsplit("/", 1)[0]))

    def step_tasks(self, step: str) -> list[tuple[int, list[str]]]:
        if self._tasks is None:
            self._tasks = {}
            tc = self.view.clients.transformation()
            for t in self.view.transformations():
                rows = _boundary.ok(
                    tc.getTransformationFiles({"TransformationID": t.id}), f"files of transformation {t.id}"
                ) or []
                by_task: dict[int, list[str]] = {}
                for row in rows:
                    if int(row.get("TaskID") or 0):
                        by_task.setdefault(int(row["TaskID"]), []).append(str(row["LFN"]))
                self._tasks[t.step] = sorted(by_task.items())
        return self._tasks.get(step, [])

    def files(self, lfns: Sequence[str]) -> list[Any]:
        return [self.catalog._describe(lfn) for lfn in lfns]


def _status(production: Production, trans: list[Transformation]) -> ProductionStatus:
    failed = []
    for t in trans:
        for task, status in sorted(t.tasks.items()):
            if status in FINAL_FAILED:
                job = t.jobs.get(task)
                where = f"DIRAC job {job}: dirac-wms-job-get-output {job}" if job else "no DIRAC job"
                why = t.reasons.get(task)
                failed.append(FailedTask(t.step, task, t.attempts.get(task, 1), where,
                                         f"job {status}" + (f": {why}" if why else ""),
                                         EXIT_DETERMINISTIC if why and DETERMINISTIC.search(why) else 1))
    steps = tuple(
        StepStatus(
            name=t.step,
            complete=t.complete,
            tasks=dict(_counter(bucket(s) for s in t.tasks.values())),
            files={k: v for k, v in t.files.items() if v},
        )
        for t in trans
    )
    return ProductionStatus(production=production, steps=steps, failed=tuple(failed))


def _counter(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def body_parameters(body: str) -> dict[str, str]:
    """The workflow-level parameters of a job template (name -> value as text), read with DIRAC's parser."""
    _boundary.prepare()
    from DIRAC.Core.Workflow.Workflow import fromXMLString

    workflow = fromXMLString(body)
    return {p.getName(): str(p.getValue()) for p in workflow.parameters}
