"""The submission of a production request to DIRAC, resumable: the same request again goes on where it stopped.

In order (each step finds what an earlier attempt did and does only what is missing):

1. the catalog fields the request needs are declared (file level), keeping those that exist at either level;
2. the workflow's input files are registered: local files uploaded to the output SE in bulk, with the metadata
   that the first steps' input queries select; ``lfn:`` inputs must exist already;
3. the production is created — one ProductionStep per step, parents first, queries in the form DIRAC stores
   faithfully (:mod:`~cwl2dirac.backends.dirac.queries`) — unless a production of that name exists: ours (its
   steps carry the request's fingerprint) is taken up again, anyone else's is an error;
4. it is started (DIRAC validates every link, creates one transformation per step and makes them all
   ``Active`` and ``Automatic``);
5. steps held back for side inputs get ``AgentType = Manual`` (the WorkflowTaskAgent submits none of their jobs
   until the controller releases them), and each transformation gets its cwl2dirac parameters (step name, flush,
   held-back steps) for the controller;
6. only then are the workflow's input files registered — no task can start before the holds are in place;
7. steps without input data are extended to their task count.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients
from cwl2dirac.backends.dirac.queries import stored_form
from cwl2dirac.backends.inputs import InputEntry, plan_inputs
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest, StepSpec, parents_first
from cwl2dirac.request.wire import FIELD_DATASET

FINGERPRINT = re.compile(r"cwl2dirac request ([0-9a-f]{40})")
"""How a step's long description names the request it was made from."""
STEP_PARAMETER = "Cwl2DiracStep"
"""The transformation parameter holding the step's cwl2dirac facts (JSON), read by the controller."""
REQUEST_PARAMETER = "Cwl2DiracRequest"
"""The transformation parameter (of every transformation) holding the whole request (zlib + hex of its JSON)."""
INPUTS_PARAMETER = "Cwl2DiracInputs"
"""The transformation parameter of a step without parents: ``pending`` until the submission has registered the
workflow's input files, then ``registered`` (the controller completes no such step before: its query selects
nothing yet). A production made before it has none: taken as registered."""
HELD = "Manual"
"""The AgentType of a step held back for its side inputs: DIRAC's WorkflowTaskAgent submits no job for it."""

START_ATTEMPTS = 3
"""Starts of a production tried, each after DIRAC undid the one that failed on its way (``Submission.establish``)."""


def fingerprint(request: ProductionRequest) -> str:
    return hashlib.sha1(request.to_json().encode()).hexdigest()


def long_description(request: ProductionRequest, spec: StepSpec, digest: str) -> str:
    """The step's LongDescription: no quote and no backslash, which a ProductionDB older than DIRAC 9.1.13 pastes
    into its SQL unescaped (``versions``); the fingerprint at its end finds the request again."""
    source = request.source.replace("'", "").replace("\\", "/")
    return f"cwl2dirac step {spec.name} of production {request.name} ({source}); cwl2dirac request {digest}"


@dataclass(frozen=True)
class Submitted:
    """What :func:`submit` made (or found)."""

    production_id: int
    transformations: dict[str, int]
    extended: dict[str, int]
    resumed: bool
    inputs_registered: int


def encode_request(request: ProductionRequest) -> str:
    return zlib.compress(request.to_json().encode(), 9).hex()


def decode_request(text: str) -> ProductionRequest:
    return ProductionRequest.model_validate_json(zlib.decompress(bytes.fromhex(text)))


def namespace_problem(request: ProductionRequest, vo: str) -> str | None:
    """Why the request's LFNs are outside the VO's namespace ``/<vo>/``; None when they are inside."""
    if not vo:
        return None
    root = f"/{vo}/"
    for spec in request.steps:
        if not spec.config.output_path.startswith(root):
            base = root.rstrip("/")
            # each remedy named works: a hint given by the caller is nearer than the document's own at the same
            # place (the workflow's, '*', or the step's: tests/cli/test_hints.py applies them), and --lfn-base only
            # places the steps that no dirac:Job.output_path places
            return (
                f"step '{spec.name}' writes under {spec.config.output_path}, outside the VO's namespace {root}: "
                f"override the workflow's dirac:Job.output_path with --hint '*:dirac:Job.output_path={base}' "
                f"(the step's own with --hint '{spec.name}:dirac:Job.output_path={base}'; API: hints=), or, for "
                f"steps without dirac:Job.output_path, give --lfn-base {base} (the default) or none"
            )
    return None


class Submission:
    """One submission of ``request`` with ``clients`` (see the module docstring)."""

    def __init__(self, request: ProductionRequest, clients: DiracClients, steps: list[Any]) -> None:
        self.request = request
        self.clients = clients
        self.steps = steps  # DIRAC ProductionSteps, parents first
        self.digest = fingerprint(request)
        self.levels: dict[str, str] = {}
        self._description = ""  # the production description of the steps added (JSON)

    # -- 1. fields ---------------------------------------------------------------------------------------------
    def declare_fields(self) -> dict[str, str]:
        """Declare (file level) the request's fields that the catalog does not know; each field → its level."""
        fc = self.clients.file_catalog()
        known = _boundary.ok(_boundary.retried(fc.getMetadataFields), "getMetadataFields") or {}
        levels: dict[str, str] = {}
        types: dict[str, str] = {}
        for level, key in (("directory", "DirectoryMetaFields"), ("file", "FileMetaFields")):
            for name, kind in dict(known.get(key, {})).items():
                levels[name] = level
                types[name] = str(kind)
        from cwl2dirac.request.wire import WORKER_FIELDS

        wanted = {**WORKER_FIELDS, **self.request.metadata_fields}
        for name, mtype in sorted(wanted.items()):
            if name in types:
                if types[name].lower() != mtype.lower():
                    raise BackendError(
                        f"catalog field '{name}' has type {types[name]} ({levels[name]} level), the request needs "
                        f"{mtype}"
                    )
                continue
            _boundary.ok(
                _boundary.retried(partial(fc.addMetadataField, name, mtype, "-f")),
                f"addMetadataField '{name}'",
            )
            levels[name] = "file"
        self.levels = levels
        return levels

    # -- 2. inputs ---------------------------------------------------------------------------------------------
    def register_inputs(self, base: str, se: str) -> int:
        """Register the workflow's input files under ``base`` on ``se``; the number of files newly registered."""
        with tempfile.TemporaryDirectory(prefix="cwl2dirac-inputs-") as tmp:
            entries = plan_inputs(self.request, base, Path(tmp)) + self._rucio_dataset_entries()
            local = [e for e in entries if e.path is not None]
            lfn_inputs = [e for e in entries if e.path is None]
            fc = self.clients.file_catalog()
            if lfn_inputs:
                found = _boundary.bulk_ok(
                    _boundary.retried(partial(fc.exists, [e.lfn for e in lfn_inputs])), "the lfn: inputs"
                )
                missing = [e.lfn for e in lfn_inputs if not found.get(e.lfn)]
                if missing:
                    where = "Rucio" if self.clients.catalog_is_rucio() else "the DIRAC File Catalog"
                    raise BackendError(f"input file {missing[0]} is not in {where}")
            exists = (
                _boundary.bulk_ok(_boundary.retried(partial(fc.exists, [e.lfn for e in local])), "the input LFNs")
                if local
                else {}
            )
            new = [e for e in local if not exists.get(e.lfn)]
            if new:
                self._upload(new, se)
            self._set_metadata([e for e in entries if e.metadata])
        return len(new)

    def _rucio_dataset_entries(self) -> list[InputEntry]:
        """With Rucio as the catalog, a workflow input given as a Rucio dataset or container (``scope:name``): its
        files, sorted by LFN (the order of the CWL array), as ``lfn:`` inputs are, with the metadata that the
        input's query selects (:data:`~cwl2dirac.request.wire.FIELD_DATASET`) and that places each in the array
        (a Rucio collection is files, not a meta-query: DIRAC's InputDataAgent then finds them by that query)."""
        if not any(ds.dataset for ds in self.request.inputs) or not self.clients.catalog_is_rucio():
            return []
        from cwl2dirac.request.wire import FIELD_INDEX, FIELD_OUTPUT, FIELD_STEP, INPUTS_STEP

        entries = []
        for ds in self.request.inputs:
            if ds.dataset is None:
                continue
            for i, lfn in enumerate(self.clients.rucio_collection(ds.dataset)):
                meta = {FIELD_DATASET: ds.dataset, FIELD_STEP: INPUTS_STEP, FIELD_OUTPUT: ds.name, FIELD_INDEX: i}
                entries.append(InputEntry(lfn, meta, None))
        return entries

    def _upload(self, entries: list[InputEntry], se: str) -> None:
        from DIRAC.Core.Utilities.Adler import fileAdler

        storage = self.clients.storage_element(se)
        fc = self.clients.file_catalog()
        for chunk in _chunks(entries, 500):
            sent = _boundary.bulk_ok(
                _boundary.retried(partial(storage.putFile, {e.lfn: str(e.path) for e in chunk})),
                f"upload of {len(chunk)} input file(s) to {se}",
            )
            urls = _boundary.bulk_ok(
                _boundary.retried(partial(storage.getURL, [e.lfn for e in chunk], protocol=["file", "dips", "root"])),
                f"URLs on {se}",
            )
            records = {
                e.lfn: {
                    "PFN": urls.get(e.lfn, ""),
                    "Size": int(sent.get(e.lfn) or os.path.getsize(str(e.path))),
                    "SE": se,
                    "GUID": str(uuid.uuid4()),
                    "Checksum": fileAdler(str(e.path)),
                }
                for e in chunk
            }
            _boundary.bulk_ok(_boundary.retried(partial(fc.addFile, records)), "registration of inputs")

    def _set_metadata(self, entries: Iterable[InputEntry]) -> None:
        """File-level fields on the files in bulk; directory-level ones on each file's directory."""
        on_files: dict[str, dict[str, Any]] = {}
        on_dirs: dict[str, dict[str, Any]] = {}
        for e in entries:
            for key, value in e.metadata.items():
                if self.levels.get(key, "file") == "directory":
                    on_dirs.setdefault(posixpath.dirname(e.lfn), {})[key] = value
                else:
                    on_files.setdefault(e.lfn, {})[key] = value
        fc = self.clients.file_catalog()
        for chunk in _chunks(sorted(on_files.items()), 1000):
            _boundary.bulk_ok(
                _boundary.retried(partial(fc.setMetadataBulk, dict(chunk))), "metadata of the inputs"
            )
        for directory, meta in sorted(on_dirs.items()):
            _boundary.ok(
                _boundary.retried(partial(fc.setMetadata, directory, meta)), f"metadata of {directory}"
            )

    # -- 3./4. the production ----------------------------------------------------------------------------------
    def existing(self) -> dict[str, Any] | None:
        """The production of the request's name, if DIRAC has one: ours (same fingerprint), else an error."""
        client = self.clients.production()
        result = _boundary.retried(partial(client.getProduction, self.request.name))
        if not result["OK"]:
            if "not exist" in str(result.get("Message", "")).lower():
                return None
            _boundary.ok(result, f"getProduction '{self.request.name}'")
        production: dict[str, Any] = result["Value"]
        digests = set(self._step_digests(production))
        if digests != {self.digest}:
            found = ", ".join(sorted(digests)) or "none"
            raise BackendError(
                f"a production named '{self.request.name}' exists (id {production['ProductionID']}) and was not made "
                f"from this request (its fingerprints: {found}); give another --name, or delete it with "
                f"dirac-prod-delete {production['ProductionID']}"
            )
        return production

    def _step_digests(self, production: Mapping[str, Any]) -> list[str]:
        client = self.clients.production()
        description = json.loads(production.get("Description") or "{}")
        digests = []
        for step in description.values():
            row = _boundary.ok(_boundary.retried(partial(client.getProductionStep, int(step["stepID"]))), "step")
            long_text = str(row[3]) if row else ""
            match = FINGERPRINT.search(long_text)
            digests.append(match.group(1) if match else "")
        return digests

    def create(self) -> int:
        """The production steps, then the production (its id)."""
        client = self.clients.production()
        for ps in self.steps:
            _boundary.ok(_boundary.retried(partial(_add_step, client, ps)), f"addProductionStep '{ps.Name}'")
        self._description = json.dumps(client.prodDescription)
        return self._add_production()

    def _add_production(self) -> int:
        """The production of the steps added (their description, kept: a client is not shared between calls)."""
        client = self.clients.production()
        result = _boundary.retried(partial(client.addProduction, self.request.name, self._description))
        if not result["OK"] and _boundary.transient(result):
            found = self.existing()  # the call may have reached the service before the connection failed
            if found is not None:
                return int(found["ProductionID"])
        prod_id = _boundary.ok(result, f"addProduction '{self.request.name}'")
        if not isinstance(prod_id, int):
            raise BackendError(f"addProduction '{self.request.name}' returned {prod_id!r}, not a production id")
        return prod_id

    def establish(self, found: Mapping[str, Any] | None) -> int:
        """The production made (unless ``found``) and started; its id.

        DIRAC's ``startProduction`` undoes what it made when one of its own calls to the Transformation System
        fails on its way: the transformations, and, when the failure comes while linking them, the production
        itself (its steps stay: DIRAC cannot delete them). So a start that failed on its way is looked at: started
        (only the answer was lost), still New (started again), or gone (made again from the same steps, then
        started) — :data:`START_ATTEMPTS` times at most."""
        client = self.clients.production()
        name = self.request.name
        prod_id = self.create() if found is None else int(found["ProductionID"])
        if found is not None and str(found.get("Status")) != "New":
            return self._started(prod_id)
        result: Any = None
        for attempt in range(START_ATTEMPTS):
            if attempt:
                time.sleep(_pause(attempt))
            try:
                result = client.startProduction(name)
            except OSError as exc:
                result = {"OK": False, "Message": f"connection: {type(exc).__name__}: {exc}"}
            if result.get("OK"):
                return self._started(prod_id)
            if not _boundary.transient(result):
                break
            state = _boundary.retried(partial(client.getProduction, name))
            if state["OK"] and str(state["Value"].get("Status")) != "New":
                return self._started(prod_id)  # it started, only the answer was lost
            if not state["OK"]:
                if "not exist" not in str(state.get("Message", "")).lower():
                    _boundary.ok(state, f"getProduction '{name}'")
                prod_id = self._add_production()  # DIRAC deleted it: the same steps, a new production
        message = " ".join(str(result.get("Message", "unknown error")).split())
        tried = f" ({START_ATTEMPTS} attempts)" if _boundary.transient(result) else ""
        raise BackendError(f"startProduction '{name}': {message}{tried}")

    def _started(self, prod_id: int) -> int:
        """``prod_id``, its transformations all started.

        DIRAC's ``startProduction`` makes the production Active, then starts its transformations one by one through
        its own clients, and answers OK whatever those calls gave: one that failed (a connection dropped under
        load, a timeout) leaves that transformation and the ones after it ``New``, which no agent ever looks at.
        Those are started here as DIRAC would have (``Active``, ``Automatic``; the holds come after)."""
        tc = self.clients.transformation()
        links = _boundary.ok(
            _boundary.retried(partial(self.clients.production().getProductionTransformations, prod_id)),
            f"transformations of production {prod_id}",
        )
        ids = [int(link["TransformationID"]) for link in links or ()]
        if len(ids) != len(self.steps):
            raise BackendError(
                f"production {prod_id} ('{self.request.name}') has {len(ids)} transformation(s) for "
                f"{len(self.steps)} step(s): DIRAC did not make them all; delete it (dirac-prod-delete {prod_id}) "
                "and submit again"
            )
        columns = ["TransformationID", "Status"]
        rows = _boundary.ok(
            _boundary.retried(partial(tc.getTransformations, {"TransformationID": ids}, columns=columns)),
            f"transformations of production {prod_id}",
        )
        for row in rows or ():
            if str(row.get("Status")) != "New":
                continue
            tid = int(row["TransformationID"])
            for key, value in (("Status", "Active"), ("AgentType", "Automatic")):
                _boundary.ok(
                    _boundary.retried(partial(tc.setTransformationParameter, tid, key, value)),
                    f"starting transformation {tid} (DIRAC's startProduction left it New)",
                )
            logging.getLogger("cwl2dirac").warning(
                "transformation %d of production %d was left New by DIRAC's startProduction: started it", tid, prod_id
            )
        return prod_id

    # -- 5./6. the transformations -----------------------------------------------------------------------------
    def transformations(self, prod_id: int) -> dict[str, int]:
        """Step name → transformation id (ProdTransManager names them ``%08d_<step name>``)."""
        tc = self.clients.transformation()
        out: dict[str, int] = {}
        for n, spec in enumerate(parents_first(self.request), start=1):
            name = f"{prod_id:08d}_Step{n}_{spec.dirac_name}"  # as addProductionStep renamed the step
            trans = _boundary.ok(_boundary.retried(partial(tc.getTransformation, name)), f"transformation '{name}'")
            out[spec.name] = int(trans["TransformationID"])
        return out

    def hold(self, transformations: Mapping[str, int]) -> list[str]:
        """``AgentType = Manual`` on the steps that wait for side inputs which are not complete yet (the controller
        releases them); the steps held."""
        tc = self.clients.transformation()
        held = []
        for spec in self.request.steps:
            if not spec.after:
                continue
            waits_for = [transformations[name] for name in spec.after]
            statuses = [
                str((_boundary.ok(_boundary.retried(partial(tc.getTransformation, tid)), f"transformation {tid}")
                     or {}).get("Status"))
                for tid in waits_for
            ]
            if all(s in ("Completed", "Archived") for s in statuses):
                continue  # released already (a resumed submission)
            tid = transformations[spec.name]
            _boundary.ok(
                _boundary.retried(partial(tc.setTransformationParameter, tid, "AgentType", HELD)),
                f"holding transformation {tid}",
            )
            held.append(spec.name)
        return held

    def annotate(self, transformations: Mapping[str, int]) -> None:
        """The cwl2dirac facts of each step, as transformation parameters (for the controller and the status)."""
        tc = self.clients.transformation()
        request_text = encode_request(self.request)
        for spec in self.request.steps:
            tid = transformations[spec.name]
            facts = {
                "production": self.request.name,
                "step": spec.name,
                "fingerprint": self.digest,
                "flush": spec.flush,
                "held_for": {name: transformations[name] for name in spec.after},
                "parents": {name: transformations[name] for name in spec.parents},
                "tasks": spec.tasks,
            }
            parameters = [(STEP_PARAMETER, json.dumps(facts, sort_keys=True)), (REQUEST_PARAMETER, request_text)]
            if not spec.parents and self._inputs_state(tid) != "registered":
                # first: the controller looks at a transformation once it carries its facts, and one without this
                # parameter is taken as registered; set after them, a pass between the two calls completed the
                # step with nothing processed (its query selecting nothing yet; seen under load in test_faults)
                parameters.insert(0, (INPUTS_PARAMETER, "pending"))
            for key, value in parameters:
                _boundary.ok(
                    _boundary.retried(partial(tc.setTransformationParameter, tid, key, value)),
                    f"parameter {key} of transformation {tid}",
                )

    def _inputs_state(self, tid: int) -> str:
        tc = self.clients.transformation()
        result = _boundary.retried(partial(tc.getTransformationParameters, tid, [INPUTS_PARAMETER]))
        return str(result.get("Value") or "") if result.get("OK") else ""

    def inputs_registered(self, transformations: Mapping[str, int]) -> None:
        """Tell the controller that the workflow's input files are all in the catalog (see INPUTS_PARAMETER)."""
        tc = self.clients.transformation()
        for spec in self.request.steps:
            if not spec.parents:
                tid = transformations[spec.name]
                _boundary.ok(
                    _boundary.retried(partial(tc.setTransformationParameter, tid, INPUTS_PARAMETER, "registered")),
                    f"parameter {INPUTS_PARAMETER} of transformation {tid}",
                )

    def extend(self, transformations: Mapping[str, int]) -> dict[str, int]:
        """Give each step without input data its task count (only the tasks it does not have yet)."""
        tc = self.clients.transformation()
        extended: dict[str, int] = {}
        for spec in self.request.steps:
            if spec.input_query or not spec.tasks:
                continue
            tid = transformations[spec.name]
            counted = _boundary.ok(
                _boundary.retried(
                    partial(tc.getCounters, "TransformationTasks", ["TransformationID"], {"TransformationID": tid})
                ),
                f"tasks of transformation {tid}",
            )
            have = sum(int(n) for _, n in counted or [])
            if have < spec.tasks:
                _boundary.ok(
                    _boundary.retried(partial(tc.extendTransformation, tid, spec.tasks - have)),
                    f"extendTransformation {tid} ({spec.tasks - have} tasks)",
                )
            extended[spec.name] = spec.tasks
        return extended


def _add_step(client: Any, ps: Any) -> Any:
    """``client.addProductionStep(ps)``, which may be tried again: DIRAC's client renames the step ``Step<n>_…`` and
    counts it before its call, so a failed call is undone here (else a retry would add ``Step3_Step2_…``)."""
    name, counter = ps.Name, client.stepCounter
    result = client.addProductionStep(ps)
    if not result.get("OK"):
        ps.Name, client.stepCounter = name, counter
    return result


def production_steps(request: ProductionRequest, digest: str) -> list[Any]:
    """One DIRAC ``ProductionStep`` per step, parents first, as :func:`submit` sends them."""
    _boundary.prepare()
    from DIRAC.ProductionSystem.Client.ProductionStep import ProductionStep

    made: dict[str, Any] = {}
    for spec in parents_first(request):
        ps = ProductionStep()
        ps.Name = spec.dirac_name
        ps.Description = spec.description or spec.name
        ps.LongDescription = long_description(request, spec, digest)
        ps.Type = spec.type
        ps.Plugin = spec.plugin
        ps.AgentType = spec.agent_type
        ps.FileMask = spec.file_mask
        parents = [made[p] for p in spec.parents]
        ps.ParentStep = parents[0] if len(parents) == 1 else (parents or None)
        ps.Inputquery = stored_form(dict(spec.input_query)) if spec.input_query else None
        ps.Outputquery = stored_form(dict(spec.output_query))
        ps.GroupSize = spec.group_size
        ps.Body = spec.body
        made[spec.name] = ps
    return list(made.values())


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _pause(attempt: int) -> float:
    """The pause before the ``attempt``-th retry (from 1) of a call retried by hand: the retry pauses, the last one
    repeated (none when they are empty)."""
    pauses = _boundary.retry_pauses()
    return pauses[min(attempt, len(pauses)) - 1] if pauses else 0.0
