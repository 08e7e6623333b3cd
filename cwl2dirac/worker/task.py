"""One task of one step: input files → CWL job order → cwltool → outputs put and registered.

The same code runs inside a DIRAC job and inside a local task; it sees the outside world only through a
:class:`~cwl2dirac.worker.catalog.Catalog`. cwltool runs in-process; loaded tools are cached per process, so a
pool process that runs many tasks of the same tool loads it once.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from cwl2dirac.errors import (
    BackendError,
    Cwl2DiracError,
    DeterministicFailure,
    PathEscape,
    TaskFailed,
    UnsupportedFeature,
    expression_failure,
    quiet_evaluator,
)
from cwl2dirac.request import (
    FIELD_FORMAT,
    FIELD_INDEX,
    FIELD_LISTING,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_SECONDARY,
    FIELD_STEP,
    InputBinding,
    StepConfig,
    secondary_link,
)
from cwl2dirac.request.ctao import ctadirac_directory
from cwl2dirac.request.expressions import WHEN, source_of_error, value_from_key
from cwl2dirac.request.layout import fill_layout
from cwl2dirac.request.lfn import check_inside, check_lfn, check_name, check_relative
from cwl2dirac.request.software import config_dir, resolve_software_files
from cwl2dirac.request.values import directory_listing, has_file_refs, replace_files
from cwl2dirac.request.wire import (
    ENV_CONTAINER,
    ENV_CONTAINER_RUNTIME,
    ENV_DEFAULT_CONTAINER,
    ENV_SOURCE_DIR,
    ENV_TRANSFORMATION,
    FIELD_ITEM,
    FIELD_RUN,
    FIELD_SCATTER,
    FILE_REF,
    USER_SPACE_PREFIX,
)
from cwl2dirac.worker.catalog import Catalog, CatalogFile, attached_metadata, find_attached
from cwl2dirac.worker.environment import tool_environment
from cwl2dirac.worker.values import apply_pick_value, merge_sources

log = logging.getLogger("cwl2dirac.worker")

_tools: dict[str, Any] = {}


@dataclass
class TaskResult:
    """What a task did."""

    status: str  # "success" | "skipped"
    outputs: dict[str, Any] = field(default_factory=dict)
    registered: list[str] = field(default_factory=list)


def source_of(cf: CatalogFile) -> str:
    """``step/output`` of a catalog file, from its metadata."""
    return f"{cf.metadata.get(FIELD_STEP, '')}/{cf.metadata.get(FIELD_OUTPUT, '')}"


def element_index(config: StepConfig, cf: CatalogFile) -> int:
    """The place of the scatter element whose input file is ``cf``: its position in its source, after the files
    of the sources merged before its own (``index_offsets``), so that the outputs are gathered in the merged order.

    The position is the file's index (the element of a scattered producer, the position in a workflow input),
    except for an item of an array output of a task that was not scattered: all its items share the task's index,
    and the item number (1, 2, ...) gives the position."""
    item = int(cf.metadata.get(FIELD_ITEM) or 0)
    position = item - 1 if item > 0 and not is_scattered(cf) else int(cf.metadata.get(FIELD_INDEX) or 0)
    return position + (config.index_offsets or {}).get(source_of(cf), 0)


def is_scattered(cf: CatalogFile) -> bool:
    return bool(cf.metadata.get(FIELD_SCATTER))


class _Inputs:
    """Turns catalog files into CWL values (File objects or carried values)."""

    def __init__(self, catalog: Catalog, staging: Path) -> None:
        self.catalog = catalog
        self.staging = staging
        self.secondaries: dict[str, list[CatalogFile]] = {}
        """Secondary files by the link of their primary (looked up once per task, for all its files)."""

    def find_secondaries(self, files: Sequence[CatalogFile]) -> None:
        """Look up the secondary files of ``files`` (one meta-query per 500 files)."""
        new = [f for f in files if secondary_link(f.lfn) not in self.secondaries]
        self.secondaries.update(find_attached(self.catalog, new))

    def _secondary(self, cf: CatalogFile) -> dict[str, Any]:
        check_lfn(cf.lfn, what="input LFN")  # its last part is the name it is staged under
        path = Path(self.catalog.get(cf.lfn, self.staging)).resolve()
        obj: dict[str, Any] = {
            "class": "Directory" if path.is_dir() else "File",
            "location": path.as_uri(),
            "basename": cf.lfn.rsplit("/", 1)[-1],
        }
        if cf.metadata.get(FIELD_FORMAT):
            obj["format"] = cf.metadata[FIELD_FORMAT]
        return obj

    def value(self, cf: CatalogFile, carrier: bool) -> Any:
        check_lfn(cf.lfn, what="input LFN")  # its last part is the name it is staged under
        path = self.catalog.get(cf.lfn, self.staging)
        if carrier:
            return self.carried(cf, json.loads(Path(path).read_text(encoding="utf-8")))
        basename = cf.lfn.rsplit("/", 1)[-1]
        if Path(path).is_dir():  # a Directory is one catalog entry whose replica is the directory tree
            d: dict[str, Any] = {"class": "Directory", "location": Path(path).resolve().as_uri(), "basename": basename}
            if cf.metadata.get(FIELD_LISTING):
                d["listing"] = directory_listing(Path(path).resolve())
            return d
        root, ext = os.path.splitext(basename)
        # the fields cwltool gives a File in a step's valueFrom and when (nameroot/nameext are CWL's own)
        obj: dict[str, Any] = {
            "class": "File",
            "location": Path(path).resolve().as_uri(),
            "basename": basename,
            "nameroot": root,
            "nameext": ext,
            "size": cf.size if cf.size is not None else Path(path).stat().st_size,
        }
        if cf.metadata.get(FIELD_FORMAT):
            obj["format"] = cf.metadata[FIELD_FORMAT]
        if secondary_link(cf.lfn) not in self.secondaries:
            self.find_secondaries([cf])
        secondaries = sorted(self.secondaries[secondary_link(cf.lfn)], key=CatalogFile.sort_key)
        if secondaries:  # (no key at all otherwise: cwltool then checks the tool's required patterns)
            obj["secondaryFiles"] = [self._secondary(sf) for sf in secondaries]
        return obj

    def carried(self, cf: CatalogFile, data: Any) -> Any:
        """A carried value with its File references (:data:`FILE_REF`) replaced by the staged Files: the files
        attached to the carrier are found with one query on the carrier's link."""
        if not has_file_refs(data):
            return data
        attached = {f.lfn: f for f in self.catalog.find({FIELD_SECONDARY: secondary_link(cf.lfn)})}
        self.find_secondaries(list(attached.values()))

        def resolve(ref: dict[str, Any]) -> Any:
            lfn = ref.get(FILE_REF)
            if lfn not in attached:
                raise BackendError(f"{cf.lfn}: the file {lfn} of this value is not in the catalog")
            return self.value(attached[str(lfn)], False)

        return replace_files(data, resolve)

    def group(
        self, files: Sequence[CatalogFile], binding: InputBinding, single_source: bool, gathers: bool | None = None
    ) -> Any:
        """The value of one source (or of all, if ``single_source``) for ``binding``; ``gathers``: whether the
        source's value is the array of its entries, when the compiler said (several sources merged)."""
        values = [self.value(cf, binding.carrier) for cf in files]
        if gathers is not None and not single_source:
            if gathers:
                return values
            if len(values) > 1:
                raise BackendError(f"port {binding.port}: {len(values)} entries for a single value of one source")
            return values[0] if values else None
        scattered = any(is_scattered(cf) for cf in files)
        if binding.carrier:
            if scattered or (len(values) > 1):
                return values
            if not values:
                return [] if binding.array and single_source else None
            return values[0]
        if single_source:
            if binding.array:
                return values
        elif scattered or len(values) > 1 or any(int(cf.metadata.get(FIELD_ITEM) or 0) > 0 for cf in files):
            return values
        if len(values) > 1:
            raise BackendError(f"port {binding.port}: {len(values)} files for a single File")
        return values[0] if values else None


def build_job_order(
    config: StepConfig, task: int, inputs: Sequence[CatalogFile], catalog: Catalog, staging: Path
) -> dict[str, Any]:
    """The CWL input object of this task (before ``valueFrom``), per the step's input bindings."""
    conv = _Inputs(catalog, staging)
    order: dict[str, Any] = {}
    for b in config.inputs:
        if b.kind == "none":
            continue
        if b.kind == "value":
            value = copy.deepcopy(b.value)
        elif b.kind == "side" and b.task_queries is not None:  # a scatter over sources merged nested
            if not 1 <= task <= len(b.task_queries) or len(b.sources) != len(b.task_queries):
                raise BackendError(f"task {task} out of range: {b.port} has {len(b.task_queries)} sources")
            source = b.sources[task - 1]
            files = sorted((f for f in catalog.find(b.task_queries[task - 1]) if source_of(f) == source),
                           key=CatalogFile.sort_key)
            if not b.carrier:
                conv.find_secondaries(files)
            value = conv.group(files, b, single_source=True)
        elif b.kind in ("files", "side"):
            if b.kind == "side":
                if b.query is None:
                    raise BackendError(f"side input {b.port} has no query")
                pool = catalog.find(b.query)
            else:
                pool = list(inputs)
            if not b.carrier:
                conv.find_secondaries(pool)
            by_source = (
                [sorted((f for f in pool if source_of(f) == s), key=CatalogFile.sort_key) for s in b.sources]
                if b.sources
                else [sorted(pool, key=CatalogFile.sort_key)]
            )
            if b.layout is not None:  # gathered from nested scatters, or skipping ones: by the producer's layout
                value = _by_layout(b, by_source[0], conv)
            elif b.kind == "files" and b.port in config.scatter and len(by_source) > 1:
                # the sources were merged, then scattered: this task's element is its file(s)
                by_source = [sorted((f for fs in by_source for f in fs), key=CatalogFile.sort_key)]
                value = conv.group(by_source[0], b, single_source=True)
            elif len(by_source) == 1 and not b.link_merge:
                value = conv.group(by_source[0], b, single_source=True)
            else:
                gathers = b.source_gathers if b.source_gathers and len(b.source_gathers) == len(by_source) else None
                value = merge_sources(
                    [conv.group(fs, b, single_source=False, gathers=gathers[i] if gathers else None)
                     for i, fs in enumerate(by_source)],
                    b.link_merge or "merge_nested",
                )
        else:  # pragma: no cover - pydantic restricts kind
            raise BackendError(f"unknown binding kind {b.kind}")
        if b.pick_value:
            value = apply_pick_value(value, b.pick_value, b.port)
        if value is None and b.has_default:
            value = copy.deepcopy(b.default)
        if b.load_contents:
            value = _with_contents(value, b.port)
        order[b.port] = value
    if config.task_values:
        for port, values in config.task_values.items():
            if not 1 <= task <= len(values):
                raise BackendError(f"task {task} out of range: {port} has {len(values)} values")
            order[port] = copy.deepcopy(values[task - 1])
    if config.indexed_values:
        if len(inputs) != 1:
            raise BackendError(f"task {task}: {len(inputs)} input files for one element of a scatter")
        index = str(inputs[0].metadata.get(FIELD_INDEX, 0))
        keyed = f"{source_of(inputs[0])}#{index}"  # (the key when several merged sources have the same indices)
        for port, by_index in config.indexed_values.items():
            key = keyed if keyed in by_index else index
            if key not in by_index:
                raise BackendError(f"task {task}: no value of {port} for the element of index {index}")
            order[port] = copy.deepcopy(by_index[key])
    return order


def _by_layout(binding: InputBinding, files: Sequence[CatalogFile], conv: _Inputs) -> Any:
    """The values (carried, or Files) of ``files`` placed by ``binding.layout``: the value of index ``t`` for task
    number ``t``, null for a task that registered none (skipped by ``when``)."""
    by_index: dict[int, Any] = {}
    for cf in files:
        index = int(cf.metadata.get(FIELD_INDEX) or 0)
        if index in by_index:
            raise BackendError(f"port {binding.port}: two values of index {index} from one step")
        by_index[index] = conv.value(cf, binding.carrier)
    return fill_layout(binding.layout, lambda t: by_index.get(t))


CONTENTS_LIMIT = 64 * 1024
"""CWL's ``loadContents`` limit: a larger file is an error."""


def _with_contents(value: Any, port: str) -> Any:
    """The Files of ``value`` with their ``contents`` (``loadContents``), read from their local copies."""
    if isinstance(value, list):
        return [_with_contents(v, port) for v in value]
    if not isinstance(value, dict) or value.get("class") != "File" or "contents" in value:
        return value
    with open(_local_path(value), "rb") as fh:
        data = fh.read(CONTENTS_LIMIT + 1)
    if len(data) > CONTENTS_LIMIT:
        raise DeterministicFailure(
            f"input '{port}': loadContents reads at most 64 KiB, {value.get('basename')} is larger"
        )
    return {**value, "contents": data.decode("utf-8", errors="replace")}


def _eval(expr: str, inputs: Mapping[str, Any], self_value: Any, config: StepConfig, what: str, key: str) -> Any:
    """Evaluate a step expression; its failure is deterministic (the same inputs fail the same way)."""
    from cwl_utils.expression import do_eval

    reqs: Any = [dict(r) for r in config.requirements]
    try:
        with quiet_evaluator():
            return do_eval(
                expr,
                dict(inputs),
                reqs,
                None,
                None,
                {},
                context=self_value,
                cwlVersion=str(config.tool.get("cwlVersion", "")),
            )
    except Exception as exc:  # cwl-utils raises JavascriptException, WorkflowException, SubstitutionError...
        failure = DeterministicFailure(f"step '{config.step}': {what} failed: {expression_failure(exc)}")
        raise _at(config, failure, key=key) from None


def apply_value_from(config: StepConfig, order: dict[str, Any]) -> dict[str, Any]:
    """Evaluate each binding's ``valueFrom`` (``inputs`` = the values before any valueFrom, ``self`` = the
    port's value), as CWL step inputs do."""
    if not any(b.value_from for b in config.inputs):
        return order
    before = copy.deepcopy(order)
    out = dict(order)
    for b in config.inputs:
        if b.value_from:
            out[b.port] = _eval(
                b.value_from, before, order.get(b.port), config, f"valueFrom of input '{b.port}'",
                value_from_key(b.port),
            )
    return out


def evaluate_when(config: StepConfig, order: Mapping[str, Any]) -> bool:
    if config.when is None:
        return True
    result = _eval(config.when, order, None, config, "'when'", WHEN)
    if not isinstance(result, bool):
        shown = repr(result) if len(repr(result)) <= 60 else repr(result)[:56] + "..."
        failure = DeterministicFailure(
            f"step '{config.step}': 'when' must evaluate to true or false, got {shown} ({type(result).__name__})"
        )
        raise _at(config, failure, key=WHEN)
    return result


def _load(config: StepConfig, basedir: Path, docker: Mapping[str, Any] | None = None) -> Any:
    """The cwltool Process of the step's tool (cached per process by content); ``docker``: a DockerRequirement
    that replaces the tool's own (the job template's apptainer image)."""
    key = hashlib.sha1(json.dumps([config.tool, config.requirements, docker], sort_keys=True).encode()).hexdigest()
    proc = _tools.get(key)
    if proc is None:
        import cwltool.workflow  # noqa: F401  (registers the tool constructor)
        from cwltool.context import LoadingContext
        from cwltool.load_tool import load_tool

        doc = copy.deepcopy(config.tool)
        if docker is not None:
            for section in ("requirements", "hints"):
                doc[section] = [r for r in _as_list(doc.get(section)) if r.get("class") != "DockerRequirement"]
            doc["requirements"].append(dict(docker))
        tool_id = str(doc.get("id", ""))
        source = os.environ.get(ENV_SOURCE_DIR)
        if source and os.path.isdir(source):  # the tool's relative locations (a default File) are relative to it
            basedir = Path(source)
        if "://" not in tool_id:
            doc["id"] = (basedir / f"{config.step.replace('/', '_') or 'tool'}.cwl").as_uri() + (
                f"#{tool_id.lstrip('#')}" if tool_id else ""
            )
        lc = LoadingContext()
        lc.construct_tool_object = cast(Any, _make_tool)
        lc.requirements = cast(Any, copy.deepcopy(config.requirements))
        lc.do_update = True
        lc.disable_js_validation = True  # jshint linting only; it costs a node start per tool
        proc = load_tool(doc, lc)
        _tools[key] = proc
    return proc


@functools.cache
def _secondaries_mapped_class() -> type:
    from cwltool.pathmapper import PathMapper

    class SecondariesMappedPathMapper(PathMapper):
        """cwltool's path mapper, which also maps the secondary files of a File listed twice, the first time without
        them (two outputs globbing the same file, one declaring ``secondaryFiles``): cwltool keeps only the first of
        two entries of one location (``dedup``), so the relocation of the tool's outputs then fails with
        ``KeyError: '…/out.txt.idx'`` (met by the differential tests; cwltool on a whole workflow relocates only
        the workflow's outputs and does not meet it). The narrowest workaround, through cwltool's own
        ``RuntimeContext.path_mapper`` hook."""

        def __init__(self, referenced_files: Any, basedir: str, stagedir: str, separateDirs: bool = True) -> None:
            super().__init__(referenced_files, basedir, stagedir, separateDirs=separateDirs)
            for entry in referenced_files:
                known = self._pathmap.get(entry["location"])
                missing = [f for f in entry.get("secondaryFiles") or [] if f["location"] not in self._pathmap]
                if known is not None and missing:
                    self.visitlisting(missing, os.path.dirname(known.target), basedir, staged=bool(known.staged))

    return SecondariesMappedPathMapper


def _make_tool(document: Any, loading: Any) -> Any:
    """cwltool's tool constructor, with CommandLineTools whose output globs cannot leave the output directory."""
    from cwltool.workflow import default_make_tool

    if isinstance(document, Mapping) and document.get("class") == "CommandLineTool":
        return _confined_tool_class()(document, loading)
    return default_make_tool(document, loading)


@functools.cache
def _confined_tool_class() -> type:
    from cwltool.command_line_tool import CommandLineTool
    from cwltool.errors import WorkflowException

    class ConfinedCommandLineTool(CommandLineTool):
        """Checks every output glob, literal or computed, before cwltool collects it: a pattern that is absolute or
        climbs out with ``..`` is refused (cwltool refuses only absolute ones) with the rule of
        :func:`cwl2dirac.request.lfn.check_relative`."""

        def collect_output(
            self, schema: Any, builder: Any, outdir: str, fs_access: Any, compute_checksum: bool = True
        ) -> Any:
            binding = schema.get("outputBinding") or {}
            port = str(schema.get("id", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            globs = binding.get("glob")
            for gb in globs if isinstance(globs, list) else [globs] if globs is not None else []:
                value = builder.do_eval(gb)
                for pattern in value if isinstance(value, list) else [value]:
                    if not isinstance(pattern, str):
                        continue
                    if pattern == builder.outdir or pattern.startswith(builder.outdir.rstrip("/") + "/"):
                        pattern = pattern[len(builder.outdir) :].lstrip("/") or "."
                    try:
                        check_relative(pattern, f"output '{port}': glob")
                    except PathEscape as exc:
                        raise WorkflowException(exc.message) from None
            result = super().collect_output(schema, builder, outdir, fs_access, compute_checksum)
            # the output directory, the task's inputs, and the files the tool's document names (InitialWorkDir)
            named = [self.tool.get("requirements"), self.tool.get("hints"), builder.job]
            roots = [outdir, *(str(_local_path(f)) for f in _all_files(named))]
            for f in _all_files(result):
                escape = _escaping_link(_local_path(f), roots, builder.outdir, outdir, builder.pathmapper)
                if escape is not None:
                    raise WorkflowException(
                        f"output '{port}': {escape} is a symbolic link to a file outside the output directory; "
                        "it is not collected"
                    )
            return result

    return ConfinedCommandLineTool


def _escaping_link(path: Path, roots: Sequence[str], inner_outdir: str, outdir: str, mapper: Any) -> str | None:
    """The first symbolic link at or below ``path`` (an output File or Directory) that resolves outside ``roots``
    (the output directory and the task's input files), or None. A link whose target is absolute inside the
    container's output directory (``inner_outdir``), or is where cwltool staged an input (``mapper``, its path
    mapper: in a container, the path inside it), counts as inside."""
    from cwl2dirac.request.lfn import is_inside

    def outside(link: Path) -> bool:
        try:
            target = os.readlink(link)
        except OSError:
            return False
        if inner_outdir != outdir and (target == inner_outdir or target.startswith(inner_outdir.rstrip("/") + "/")):
            return False
        if mapper is not None and os.path.isabs(target) and mapper.reversemap(target) is not None:
            return False
        return not any(is_inside(link, root) for root in roots)

    if path.is_symlink() and outside(path):
        return str(path)
    if path.is_dir() and not path.is_symlink():
        for top, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                entry = Path(top) / name
                if entry.is_symlink() and outside(entry):
                    return str(entry)
    return None


def _use_container(proc: Any) -> bool:
    """Whether cwltool may use a container: ``$CWL2DIRAC_CONTAINER`` = ``auto`` (default: only for a
    DockerRequirement that is a requirement, not a hint, as grid worker nodes rarely run Docker), ``never``
    (cwltool's ``--no-container``) or ``always`` (cwltool's default)."""
    mode = os.environ.get(ENV_CONTAINER, "auto")
    if mode == "never":
        return False
    if mode == "always":
        return True
    return any(r.get("class") == "DockerRequirement" for r in proc.requirements)


def _container_runtime(rc: Any) -> None:
    """The engine and default image of cwltool's container options (``$CWL2DIRAC_CONTAINER_RUNTIME``,
    ``$CWL2DIRAC_DEFAULT_CONTAINER``), as ``cwltool --singularity``/``--podman``/``--udocker``/
    ``--user-space-docker-cmd``/``--default-container`` set them."""
    runtime = os.environ.get(ENV_CONTAINER_RUNTIME) or "docker"
    if runtime == "singularity":
        rc.singularity = True
    elif runtime == "podman":
        rc.podman = True
    elif runtime == "udocker":
        rc.user_space_docker_cmd = "udocker"
    elif runtime.startswith(USER_SPACE_PREFIX):
        rc.user_space_docker_cmd = runtime.removeprefix(USER_SPACE_PREFIX)
    elif runtime != "docker":
        raise TaskFailed(f"unknown container runtime {runtime!r} in ${ENV_CONTAINER_RUNTIME}")
    default = os.environ.get(ENV_DEFAULT_CONTAINER)
    if default:
        rc.default_container = default


def run_tool(config: StepConfig, order: Mapping[str, Any], taskdir: Path) -> dict[str, Any]:
    """Run the tool with cwltool in this process; outputs land in ``taskdir/out``."""
    from cwltool.context import RuntimeContext
    from cwltool.executors import SingleJobExecutor
    from cwltool.process import shortname

    env = tool_environment(config.step, taskdir)
    docker = env.docker_requirement()
    proc = _load(config, taskdir, docker)
    known = {shortname(str(i["id"])) for i in proc.tool["inputs"]}
    configs = config_dir({**os.environ, **env.variables})  # after the software set-up: its $CTAPIPE_DIR
    job = {k: resolve_software_files(v, configs, k) for k, v in order.items() if k in known}
    job = _expand_formats(job, config.tool.get("$namespaces"))
    job = _float_scalars(job, proc.tool["inputs"])
    outdir = taskdir / "out"
    tmp = taskdir / "tmp"
    outdir.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    rc = RuntimeContext()
    rc.outdir = str(outdir)
    rc.basedir = str(taskdir)
    rc.tmpdir_prefix = str(tmp) + "/"
    rc.tmp_outdir_prefix = str(tmp) + "/out"
    rc.move_outputs = "move"
    rc.path_mapper = cast(Any, _secondaries_mapped_class())
    rc.rm_tmpdir = False  # the task directory holds them; removing them costs ~10 ms of rmdir per task
    if docker is not None:
        rc.use_container = rc.singularity = True
    else:
        rc.use_container = _use_container(proc)
        if rc.use_container:
            _container_runtime(rc)
    with env.applied() as variables:
        if variables:
            rc.preserve_environment = variables
        if not rc.use_container:
            _check_command(config, proc.tool, software_set_up=bool(variables))
        cwltool_log = logging.getLogger("cwltool")
        records = _Records()
        cwltool_log.addHandler(records)
        try:
            out, status = SingleJobExecutor()(proc, job, rc, logger=cwltool_log)
        finally:
            cwltool_log.removeHandler(records)
    if status != "success" or out is None:
        raise _at(config, records.failure(status), text=records.job_error or records.expression_error)
    return dict(out) if isinstance(out, Mapping) else {}


def _at(config: StepConfig, error: TaskFailed, *, key: str | None = None, text: str | None = None) -> TaskFailed:
    """``error`` with the CWL ``file:line:col`` of the expression it comes from in front of its message: the
    step's expression ``key``, or the tool's that cwltool's error ``text`` shows (:mod:`cwl2dirac.request.expressions`;
    unchanged when the request does not say where it is)."""
    sources = config.sources or {}
    where = sources.get(key) if key is not None else source_of_error(config.tool, sources, text) if text else None
    if where:
        error.message = f"{where}: {error.message}"
        error.args = (error.message,)
    return error


def _chain_text(exc: BaseException) -> str:
    """The messages of ``exc`` and its causes."""
    texts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(texts) < 10:
        texts.append(str(current))
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


class _Records(logging.Handler):
    """What cwltool logged while running the tool, to tell a tool that failed (retried: it may pass next time)
    from outputs or expressions that are wrong (not retried: they will be wrong again)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.exit_status: str | None = None
        self.job_error: str | None = None
        self.expression_error: str | None = None
        """An ExpressionTool's expression that failed (cwltool logs it as a warning and fails the step)."""

    def emit(self, record: logging.LogRecord) -> None:
        template = str(record.msg)
        args = record.args if isinstance(record.args, tuple) else ()
        if ("exited with status" in template or "terminated by signal" in template) and len(args) >= 2:
            self.exit_status = str(args[1])
        elif "Job error" in template and len(args) >= 2:
            self.job_error = str(args[1])
        elif "Failed to evaluate expression" in template and args:
            self.expression_error = str(args[0])

    def failure(self, status: str) -> TaskFailed:
        if self.exit_status is not None:
            return TaskFailed(f"the tool exited with status {self.exit_status} (cwltool: {status})")
        if self.job_error is not None:  # the tool succeeded, its outputs are wrong
            return DeterministicFailure(f"the tool's outputs: {_summary(self.job_error)}")
        if self.expression_error is not None:
            return DeterministicFailure(f"the ExpressionTool's expression failed: {_summary(self.expression_error)}")
        return TaskFailed(f"tool finished with status {status}")


_COLLECTING = re.compile(r"Error collecting output for parameter '([^']+)':\s*")


def _summary(text: str, limit: int = 300) -> str:
    """A cwltool error as one line that keeps its reason (:func:`~cwl2dirac.errors.one_line`; a JavaScript error,
    when there is one, rather than the script): ``output 'n': TypeError: ...`` for an output it could not
    collect."""
    collecting = _COLLECTING.search(text)
    if collecting is not None:
        said = expression_failure(_Logged(text[collecting.end() :]), limit)
        port = f"output '{collecting.group(1)}'"
        return said if said.startswith(port) else f"{port}: {said}"
    return expression_failure(_Logged(text), limit)


class _Logged(Exception):
    """A cwltool message (logged, not raised) to read with :func:`~cwl2dirac.errors.expression_failure`."""


_DETERMINISTIC_CWLTOOL = (
    "Expression evaluation error", "Syntax error in parameter reference", "Invalid job input record",
    "JavascriptException", "SubstitutionError", "ValidationException",
)
"""What a cwltool exception raised before the tool runs says when it will say it again on every attempt."""


def _float_scalars(job: dict[str, Any], inputs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The values of ``float``/``double`` inputs as cwltool has them when it reads a job order or a default from
    YAML (ruamel's ``ScalarFloat``, which it writes on a command line in decimals: ``0.00001``, not ``1e-05``); a
    number YAML 1.1 left as a string (``1.23e5``, no dot) is read as the number it is."""
    from cwltool.process import shortname
    from ruamel.yaml import YAML

    def is_float(t: Any) -> bool:
        if isinstance(t, str):
            return t in ("float", "double")
        return isinstance(t, list) and any(x in ("float", "double") for x in t) and all(
            x in ("float", "double", "null") for x in t)

    reader = YAML(typ="rt")
    out = dict(job)
    for port in inputs:
        name = shortname(str(port.get("id", "")))
        value = out.get(name)
        if not is_float(port.get("type")) or isinstance(value, bool) or not isinstance(value, float | str):
            continue
        try:
            scalar = reader.load(repr(value) if isinstance(value, float) else value)
        except Exception:
            continue
        if isinstance(scalar, float):
            out[name] = scalar
    return out


def _expand_formats(value: Any, namespaces: Any) -> Any:
    """``format: edam:format_1`` of input Files as IRIs, with the tool's ``$namespaces`` (as cwltool does for a
    job order)."""
    if not isinstance(namespaces, Mapping) or not namespaces:
        return value
    if isinstance(value, list):
        return [_expand_formats(v, namespaces) for v in value]
    if not isinstance(value, Mapping):
        return value
    out = {k: _expand_formats(v, namespaces) for k, v in value.items()}
    fmt = out.get("format")
    if out.get("class") == "File" and isinstance(fmt, str) and ":" in fmt and "://" not in fmt:
        prefix, rest = fmt.split(":", 1)
        if prefix in namespaces:
            out["format"] = f"{namespaces[prefix]}{rest}"
    return out


def _as_list(section: Any) -> list[dict[str, Any]]:
    """A tool's ``requirements``/``hints`` as a list of dicts (CWL also writes them as a map by class)."""
    if isinstance(section, Mapping):
        return [{"class": k, **(dict(v) if isinstance(v, Mapping) else {})} for k, v in section.items()]
    return [dict(r) for r in section or [] if isinstance(r, Mapping)]


def _check_command(config: StepConfig, tool: Mapping[str, Any], *, software_set_up: bool = False) -> None:
    """Fail clearly, before cwltool starts, when the tool's command is not installed on this machine (looked up
    on the PATH the software set-up gave, when there is one)."""
    import shutil

    if tool.get("class") != "CommandLineTool":
        return
    base = tool.get("baseCommand")
    command = base[0] if isinstance(base, list) and base else base
    if not isinstance(command, str) or "/" in command:
        return
    for req in [*tool.get("requirements", []), *tool.get("hints", [])]:
        if isinstance(req, Mapping) and req.get("class") in ("EnvVarRequirement", "SoftwareRequirement"):
            return  # the tool sets up its own PATH
    if shutil.which(command) is None:
        if software_set_up:
            raise TaskFailed(
                f"command '{command}' of step '{config.step}' is not on the PATH that the software set-up script "
                "gives; check the dirac:Software hint (package, version)"
            )
        raise TaskFailed(
            f"command '{command}' of step '{config.step}' is not installed here (not on PATH); "
            "install it, or run this step on the grid where its software is set up"
        )


def _check_outputs_inside(outputs: Mapping[str, Any], taskdir: Path, order: Mapping[str, Any]) -> None:
    """Every output File or Directory (symbolic links followed) is inside the task's directory, or is one of the
    task's input files passed through; anything else is refused, before anything is registered."""
    inputs = [_local_path(f) for f in _all_files(order)]
    for port, value in outputs.items():
        for f in _all_files(value):
            path = _local_path(f)
            try:
                check_inside(path, [taskdir, *inputs], f"output '{port}':")
            except PathEscape as exc:
                raise DeterministicFailure(f"{exc.message} (the task's directory)") from None


def _all_files(value: Any) -> list[Mapping[str, Any]]:
    """The File and Directory objects in ``value``, with their secondary files."""
    found = _files_in(value)
    return found + [s for f in found for s in _all_files(f.get("secondaryFiles") or [])]


def _files_in(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):
        if value.get("class") in ("File", "Directory"):  # a Directory is registered as one entry (its tree)
            return [dict(value)]
        return [f for v in value.values() for f in _files_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in _files_in(v)]
    return []


def _local_path(file_obj: Mapping[str, Any]) -> Path:
    loc = str(file_obj.get("path") or file_obj.get("location", ""))
    if loc.startswith("file://"):
        from urllib.parse import unquote, urlparse

        loc = unquote(urlparse(loc).path)
    return Path(loc)


def register_outputs(
    config: StepConfig,
    task: int,
    inputs: Sequence[CatalogFile],
    outputs: Mapping[str, Any],
    catalog: Catalog,
    taskdir: Path,
    used: set[str] | None = None,
) -> list[str]:
    """Put and register every output of the task (files, and carriers for non-file values); ``used``: the LFNs
    the task has already put (one task running several elements of a scatter puts them all in its directory)."""
    if len(inputs) == 1:
        index = element_index(config, inputs[0])
    elif not inputs:
        index = task
    else:
        index = 0
    scattered = 1 if (config.scatter or config.task_values) else 0
    base = f"{config.output_path.rstrip('/')}/{task:08d}"
    check_lfn(f"{base}/x", config.output_path, "the step's output LFN base")
    bases: dict[str, str] = {}
    run_number = _run_number(inputs, task)
    if config.lfn_layout == "ctadirac":  # where CTADIRAC puts them: by the outputs' directory metadata
        known = getattr(catalog, "transformation", None)  # the DIRAC catalog knows its transformation
        transformation = (
            os.environ.get(ENV_TRANSFORMATION) or (str(known) if known else None) or config.transformation or "0000"
        )
        bases = {
            ob.port: ctadirac_directory(config.output_path, ob.metadata, transformation, run_number)
            for ob in config.outputs
        }
    else:  # a catalog that keeps some fields on directories: each port's files in a directory of their own
        by_directory = catalog.directory_fields()
        bases = {ob.port: f"{base}/{ob.port}" for ob in config.outputs if by_directory.intersection(ob.metadata)}
    used = set() if used is None else used
    lfns: list[str] = []

    def lfn_for(name: str, port: str) -> str:
        return f"{lfn_for_group([name], port)}/{name}"

    def lfn_for_group(names: list[str], port: str) -> str:
        """The LFN directory of a file and its secondary files (``names``): the task's, else ``<port>_<n>``."""
        if len(set(names)) < len(names):
            raise TaskFailed(f"output {port}: a file and its secondary files share a name: {', '.join(names)}")
        directory = bases.get(port, base)
        n = 1
        while any(f"{directory}/{name}" in used for name in names):
            n += 1
            directory = f"{bases.get(port, base)}/{port}_{n}"
        used.update(f"{directory}/{name}" for name in names)
        return directory

    def put_file(f: Mapping[str, Any], file_meta: dict[str, Any], port: str) -> str:
        """Put a File (or Directory) and its secondary files; returns its LFN."""
        secondaries = [s for s in f.get("secondaryFiles") or [] if isinstance(s, Mapping)]
        names = [_name(f), *(_name(s) for s in secondaries)]
        for name in names:
            check_name(name, f"output '{port}': file name")
        lfn_dir = lfn_for_group(names, port)
        lfn = check_lfn(f"{lfn_dir}/{names[0]}", config.output_path, f"output '{port}': LFN")
        fmt = {FIELD_FORMAT: f["format"]} if f.get("format") else {}
        catalog.put(_local_path(f), lfn, file_meta | fmt)
        lfns.append(lfn)
        # secondary files: beside their primary, linked to it, without step/output (no query selects them)
        link = attached_metadata(lfn, file_meta.get(FIELD_PRODUCTION, config.production))
        for j, (s, name) in enumerate(zip(secondaries, names[1:], strict=True), start=1):
            sfmt = {FIELD_FORMAT: s["format"]} if s.get("format") else {}
            slfn = check_lfn(f"{lfn_dir}/{name}", config.output_path, f"output '{port}': LFN")
            catalog.put(_local_path(s), slfn, link | sfmt | {FIELD_ITEM: j})
            lfns.append(f"{lfn_dir}/{name}")
        return lfn

    carriers = taskdir / "carriers"
    for ob in config.outputs:
        meta = dict(ob.metadata)
        meta[FIELD_INDEX] = index
        meta[FIELD_SCATTER] = scattered
        if config.lfn_layout == "ctadirac":
            meta[FIELD_RUN] = run_number
        value = outputs.get(ob.port)
        if ob.carrier:
            lfn = lfn_for(f"{ob.port}.json", ob.port)
            # Files inside the value (a record holding Files): put attached to the carrier, referenced by LFN
            attached = attached_metadata(lfn, meta.get(FIELD_PRODUCTION, config.production))
            value = replace_files(value, functools.partial(_put_leaf, put_file, attached, ob.port, [0]))
            carriers.mkdir(exist_ok=True)
            path = carriers / f"{ob.port}.json"
            path.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
            catalog.put(path, lfn, meta | {FIELD_ITEM: 0})  # last: its files are in the catalog before it
            lfns.append(lfn)
            continue
        files = _files_in(value)
        is_array = isinstance(value, list)
        for i, f in enumerate(files):
            put_file(f, meta | {FIELD_ITEM: i + 1 if is_array else 0}, ob.port)
    return lfns


def _run_number(inputs: Sequence[CatalogFile], task: int) -> int:
    """The run number of a task's outputs (CTADIRAC's ``runNumber``): its one input file's, else the task
    number (a simulation's run number is its task number)."""
    if len(inputs) == 1:
        try:
            return int(inputs[0].metadata[FIELD_RUN])
        except (KeyError, TypeError, ValueError):
            pass
    return task


def _put_leaf(
    put_file: Callable[[Mapping[str, Any], dict[str, Any], str], str],
    attached: dict[str, Any], port: str, count: list[int], f: dict[str, Any],
) -> dict[str, Any]:
    """Put a File found inside a carried value (numbered by ``count``) and give the reference that replaces it."""
    count[0] += 1
    ref = {"class": f.get("class"), FILE_REF: put_file(f, attached | {FIELD_ITEM: count[0]}, port)}
    if "secondaryFiles" in f:
        ref["secondaryFiles"] = []  # (filled in when read: cwltool lists them, even none)
    return ref


def _name(file_obj: Mapping[str, Any]) -> str:
    return str(file_obj.get("basename") or _local_path(file_obj).name)


def scatter_elements(config: StepConfig, inputs: Sequence[CatalogFile]) -> list[list[CatalogFile]] | None:
    """The elements of a scatter over files that one task of several files runs (a transformation grouping
    several files per task, ``dirac:Transformation.group_size`` > 1): one per file, in the stable order; None
    when the task is one run of the tool."""
    if len(inputs) < 2 or not config.scatter:
        return None
    scattered = [b for b in config.inputs if b.port in config.scatter and b.kind == "files" and not b.array]
    if not scattered:
        return None
    return [[f] for f in sorted(inputs, key=CatalogFile.sort_key)]


def run_task(config: StepConfig, task: int, catalog: Catalog, taskdir: Path) -> TaskResult:
    """Run task ``task`` of the step described by ``config`` in ``taskdir`` (its working directory)."""
    taskdir = taskdir.resolve()
    catalog.use_step(config)
    inputs = catalog.task_inputs(config.step, task)
    elements = scatter_elements(config, inputs)
    if elements is None:
        status, outputs, lfns = _run_element(config, task, inputs, catalog, taskdir, set())
        if status == "skipped":
            log.info("step %s task %d: 'when' is false, skipped", config.step, task)
    else:  # several elements of the scatter in one task: the tool runs once per file
        used: set[str] = set()
        lfns, results = [], []
        for n, element in enumerate(elements, start=1):
            status, out, element_lfns = _run_element(config, task, element, catalog, taskdir / f"element_{n:04d}",
                                                     used)
            lfns += element_lfns
            results.append(out)
        status = "success"
        outputs = {"elements": results}
    catalog.commit_task(config.step, task, [f.lfn for f in inputs])
    return TaskResult(status, outputs, lfns)


def _run_element(
    config: StepConfig, task: int, inputs: Sequence[CatalogFile], catalog: Catalog, taskdir: Path, used: set[str]
) -> tuple[str, dict[str, Any], list[str]]:
    """One run of the tool on ``inputs`` (a task, or one element of a task's scatter): status, outputs, LFNs."""
    taskdir.mkdir(parents=True, exist_ok=True)
    order = build_job_order(config, task, inputs, catalog, taskdir / "inputs")
    order = apply_value_from(config, order)
    if not evaluate_when(config, order):
        return "skipped", {}, []
    (taskdir / "job.json").write_text(json.dumps(order, indent=1, sort_keys=True, default=str), "utf-8")
    try:
        outputs = run_tool(config, order, taskdir)
    except Cwl2DiracError:
        raise
    except Exception as exc:
        from cwltool.errors import UnsupportedRequirement

        if isinstance(exc, UnsupportedRequirement):
            raise UnsupportedFeature(str(exc)) from exc
        chain = f"{type(exc).__name__} {type(exc.__cause__).__name__} {exc}"
        if any(sign in chain for sign in _DETERMINISTIC_CWLTOOL):
            failure = DeterministicFailure(f"the tool's inputs or expressions: {expression_failure(exc)}")
            raise _at(config, failure, text=_chain_text(exc)) from exc
        log.error("the tool's run failed unexpectedly", exc_info=exc)  # the task log keeps where
        raise TaskFailed(f"{type(exc).__name__}: {_summary(str(exc))}") from exc
    _check_outputs_inside(outputs, taskdir, order)
    (taskdir / "outputs.json").write_text(json.dumps(outputs, indent=1, sort_keys=True), "utf-8")
    return "success", outputs, register_outputs(config, task, inputs, outputs, catalog, taskdir, used)
