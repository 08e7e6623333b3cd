"""CTADIRAC's ProdSteps YAML → a CWL v1.2 workflow of the CTAO library (``cwl2dirac import prodsteps``).

Each ProdSteps entry becomes the library tool its ``job_config.type`` names (an MCSimulation also gets the
``run_numbers`` ExpressionTool, folded when compiling), with the hints that make cwl2dirac build the step CTADIRAC
builds: the same transformation type, group size and parent, the same input query (the parent's outputs, refined
by the entry's ``input_meta_query`` keys: ``dirac:Transformation.input_query``) and the same output metadata, worked
out as CTADIRAC's ``WorkflowElement`` and job classes work it out (``dirac:Metadata``). ``input_meta_query``
without ``parentID`` becomes a workflow input described by ``dirac:InputData`` (its query, or its ``dataset``);
``Common`` becomes the workflow's ``dirac:Metadata`` (MCCampaign, configuration_id) and ``dirac:Job`` (``base_path``
as LFN base, with CTADIRAC's LFN layout). ``job_config.options`` go to the tool's inputs: a ``-c`` configuration
becomes a workflow input given as ``software-config:<path>``, the file of the ctapipe release on the worker
(``$CTAPIPE_DIR/config``, as CTADIRAC's job takes it; :mod:`cwl2dirac.request.software`), or, with
``--config-dir``, the user's own file in that directory (uploaded with the production).

A type CTADIRAC accepts but the library has no tool for is refused with exit code 33 naming the entry; a key the
importer does not know is an error (with a suggestion for a near miss); a value the library cannot express (a
MAGIC simulation, several moon conditions in one simulation...) is refused with 33, never dropped.
See docs/ctadirac.md for the mapping table.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cwl2dirac.errors import LoadError, Location, UnsupportedFeature, ValidationError
from cwl2dirac.loader.hints import NAMESPACE, suggest
from cwl2dirac.request import ctao
from cwl2dirac.request.software import SOFTWARE_CONFIG_SCHEME
from cwl2dirac.request.wire import safe_name

ENV_LIBRARY = "CWL2DIRAC_LIBRARY"
"""The CTAO CWL library (the ``cwl/`` folder) the imported workflows use; default: this checkout's ``cwl/``, else the
one installed with the package."""
_STEP_KEYS = ("ID", "name", "input_meta_query", "job_config")
_COMMON_KEYS = ("MCCampaign", "configuration_id", "base_path")
_CATALOGS = {"DIRACFileCatalog", "TSCatalog"}
_JOB_KEYS = ("type", "version", "group_size", "cpu_time", "nb_processors", "destination", "tag", "catalogs", "options")
_KEYS: dict[str, tuple[str, ...]] = {
    "MCSimulation": (
        "array_layout", "site", "particle", "pointing_dir", "zenith_angle", "n_shower", "moon", "start_run_number",
        "magic", "sct", "div_ang", "only_corsika", "sequential", "random_mono_probability",
        "instrument_random_seeds", "layout",
    ),
    "CtapipeProcessing": ("output_extension", "data_level", "array_layout", "split", "nsb", "div_ang", "moon",
                          "ctapipe_site_config"),
    "Merging": ("output_extension", "data_level", "merged", "split", "nsb", "div_ang", "moon"),
    "CtapipeTrainEnergy": ("split", "nsb", "div_ang"),
    "CtapipeTrainClassifier": ("split", "nsb", "div_ang"),
    "CtapipeApplyModels": ("split", "nsb", "div_ang"),
}
"""The job_config keys each imported type understands besides :data:`_JOB_KEYS` (CTADIRAC's own keys)."""
_MANDATORY = {"CtapipeProcessing": ("data_level", "output_extension"), "Merging": ("output_extension", "group_size")}
"""CTADIRAC's mandatory job_config keys (its ``mandatory_job_config_keys``; a Merging step's group size too)."""
_IGNORED_BY_CTADIRAC = {"ctapipe_site_config": "CTADIRAC 3.1 sets it on the job and never reads it"}
_NO_EQUIVALENT_WHEN_SET = ("magic", "div_ang", "only_corsika", "sequential", "random_mono_probability",
                           "instrument_random_seeds", "layout")
"""MCSimulation switches the library's simulation tool does not have: refused when set."""
_DATA_PORT = {
    "tools/corsika_simtelarray.cwl": "simtel_file",
    "tools/ctapipe_process.cwl": "dl1_file",
    "tools/ctapipe_process_dl0_dl2.cwl": "dl2_file",
    "tools/ctapipe_process_dl1_dl2.cwl": "dl2_file",
    "tools/ctapipe_merge.cwl": "merged_file",
    "tools/ctapipe_train_energy_regressor.cwl": "model",
    "tools/ctapipe_train_particle_classifier.cwl": "model",
    "tools/ctapipe_apply_models.cwl": "dl2_file",
}
"""The output of each library tool that CTADIRAC's output query describes (the others are its logs)."""
_FROM_INPUT = ("array_layout", "site", "particle", "phiP", "thetaP", "sct", "data_level", "view_cone", "systematics")
"""The output metadata CTADIRAC's jobs take from their input query."""
SIGNAL, BACKGROUND = "gamma-diffuse", "proton"
"""The particles CTAO trains its gamma/hadron classifier on (CTADIRAC's classifier step selects both with one
query; the library's tool takes them as two inputs)."""


def default_library() -> Path:
    """The CTAO library: ``$CWL2DIRAC_LIBRARY``, else the checkout's ``cwl/`` folder beside the cwl2dirac package
    (a checkout, an editable install), else the copy an installed wheel ships as package data
    (``cwl2dirac/_library``)."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "cwl"
    if (checkout / "tools").is_dir():
        return checkout
    return package / "_library"


@dataclass
class Imported:
    """The imported workflow and its job order (plain data), and what the import says about itself."""

    workflow: dict[str, Any]
    job_order: dict[str, Any]
    steps: int
    messages: list[str] = field(default_factory=list)
    """One line per notable mapping or ignored key (``file:line:col: warning: ...``)."""

    def write(self, output: str | Path) -> list[Path]:
        """Write ``output`` (the workflow) and, when it needs one, its job order beside it (same stem, ``.yml``)."""
        out = Path(output)
        out.parent.mkdir(parents=True, exist_ok=True)
        header = "#!/usr/bin/env cwl-runner\n# Imported from CTADIRAC's ProdSteps by `cwl2dirac import prodsteps`.\n"
        out.write_text(header + _dump(self.workflow), encoding="utf-8")
        written = [out]
        if self.job_order:
            job = out.with_suffix(".yml")
            job.write_text(_dump(self.job_order), encoding="utf-8")
            written.append(job)
        return written


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=110, allow_unicode=True)


@dataclass
class _Entry:
    """One ProdSteps entry, understood: what CTADIRAC builds for it, statically."""

    number: int
    """Its ``ID``."""
    where: Location
    kind: ctao.JobType
    job: dict[str, Any]
    meta_query: dict[str, Any]
    name: str = ""
    parent: _Entry | None = None
    dataset: str | None = None
    query: dict[str, Any] = field(default_factory=dict)
    """CTADIRAC's input query (its parent's output query or the dataset's, refined), what is known of it."""
    refinements: dict[str, Any] = field(default_factory=dict)
    """The input_meta_query keys, as catalog fields and values."""
    output: dict[str, Any] = field(default_factory=dict)
    """CTADIRAC's output query (the data files), what is known of it."""
    unknown_input: bool = False
    """Fed (directly or through its parents) by a dataset, whose meta-query is known at submission only."""
    tool: str = ""
    scattered: bool = False
    """Its data output is an array in the workflow (one file per element)."""
    children: list[_Entry] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    """The model files its options name (``--reconstructor energy_model.pkl``)."""


def read_prodsteps(path: str | Path) -> tuple[dict[str, Any], str]:
    """The ProdSteps document at ``path`` and its URI."""
    p = Path(path)
    uri = p.resolve().as_uri()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise LoadError(
            f"malformed YAML: {exc.problem}", Location(uri, (), mark.line + 1 if mark else None,
                                                        mark.column + 1 if mark else None)
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("ProdSteps"), list):
        raise ValidationError("not a ProdSteps document: expected a mapping with a 'ProdSteps' list", Location(uri))
    return data, uri


def import_prodsteps(
    path: str | Path,
    output: str | Path,
    *,
    library: str | Path | None = None,
    config_dir: str | Path | None = None,
) -> Imported:
    """Import the ProdSteps file ``path`` as a workflow to be written at ``output`` (``run:`` paths and the job
    order's files are relative to it). ``library``: the CTAO library (default :func:`default_library`);
    ``config_dir``: the directory of the user's own ``-c`` configurations (default: none, the configurations of
    the software release on the worker, ``software-config:``)."""
    data, uri = read_prodsteps(path)
    lib = Path(library) if library is not None else default_library()
    if not (lib / "tools").is_dir():
        raise ValidationError(f"no CTAO library at {lib} (a folder with tools/); give it with --library")
    out_dir = Path(output).resolve().parent
    configs = Path(config_dir).resolve() if config_dir is not None else None
    return _Importer(data, uri, lib.resolve(), out_dir, configs, Path(path).name).run()


class _Importer:
    def __init__(self, data: dict[str, Any], uri: str, library: Path, out_dir: Path, configs: Path | None,
                 name: str):
        self.data = data
        self.uri = uri
        self.library = library
        self.out_dir = out_dir
        self.config_dir = configs
        self.source = name
        self.messages: list[str] = []
        self.inputs: dict[str, Any] = {}
        self.job_order: dict[str, Any] = {}
        self.input_data: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, str] = {}
        self.steps: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}
        self.common: dict[str, Any] = {}

    def where(self, *keys: str | int) -> Location:
        return Location(self.uri, keys)

    # -- reading ---------------------------------------------------------------------------------------------
    def run(self) -> Imported:
        self.common = self._common()
        entries = self._entries()
        for entry in entries:
            self._derive(entry)
        for entry in entries:
            self._write_step(entry)
        return Imported(self._workflow(entries), self.job_order, len(entries), self.messages)

    def _common(self) -> dict[str, Any]:
        common = self.data.get("Common")
        if not isinstance(common, dict):
            where = self.where("Common") if "Common" in self.data else self.where()
            raise ValidationError(
                "ProdSteps without a 'Common' section (CTADIRAC needs MCCampaign, configuration_id and base_path"
                " there)",
                where,
            )
        for key in common:
            if key not in _COMMON_KEYS:
                raise ValidationError(f"unknown key '{key}' in Common{suggest(key, _COMMON_KEYS)}",
                                      self.where("Common", key))
        if not common.get("base_path"):
            raise ValidationError("Common.base_path is missing (the LFN base of the outputs)", self.where("Common"))
        for key in self.data:
            if key not in ("ProdSteps", "Common"):
                raise ValidationError(f"unknown section '{key}'{suggest(key, ('ProdSteps', 'Common'))}",
                                      self.where(key))
        return {k: v for k, v in common.items() if v is not None}

    def _entries(self) -> list[_Entry]:
        raw = self.data["ProdSteps"]
        entries: list[_Entry] = []
        by_id: dict[int, _Entry] = {}
        for index, step in enumerate(raw):
            where = self.where("ProdSteps", index)
            if not isinstance(step, dict):
                raise ValidationError("a ProdSteps entry must be a mapping", where)
            for key in step:
                if key not in _STEP_KEYS:
                    raise ValidationError(f"unknown key '{key}' in a ProdSteps entry{suggest(key, _STEP_KEYS)}",
                                          where.child(key))
            number = step.get("ID")
            if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
                raise ValidationError(f"step ID must be a positive integer (got {number!r})", where)
            if number in by_id:
                raise ValidationError(f"two steps with ID {number}", where.child("ID"))
            job = step.get("job_config")
            query = step.get("input_meta_query")
            if not isinstance(job, dict) or "type" not in job:
                raise ValidationError(f"step {number}: job_config with a 'type' is needed", where)
            if not isinstance(query, dict):
                raise ValidationError(f"step {number}: input_meta_query is needed (parentID/dataset may be empty)",
                                      where)
            type_name = str(job["type"])
            kind = ctao.JOB_TYPES.get(type_name.lower())
            if kind is None:
                known = [t.name for t in ctao.JOB_TYPES.values()]
                raise ValidationError(
                    f"step {number}: unknown job_config.type '{type_name}'{suggest(type_name, known)} "
                    f"(CTADIRAC's types: {', '.join(known)})", where.child("job_config", "type"),
                )
            if not kind.tools:
                raise UnsupportedFeature(
                    f"step {number}: CTADIRAC's job type {kind.name} has no tool in the CTAO library (cwl/), so it "
                    "cannot be imported", where.child("job_config", "type"),
                )
            entry = _Entry(number, where, kind, dict(job), dict(query))
            entry.name = safe_name(str(step.get("name") or f"{kind.name.lower()}_{number}"), collapse=True)
            by_id[number] = entry
            entries.append(entry)
        entries.sort(key=lambda e: e.number)
        names: set[str] = set()
        for entry in entries:
            if entry.name in names:
                entry.name = f"{entry.name}_{entry.number}"
            names.add(entry.name)
            parent_id = entry.meta_query.get("parentID")
            if parent_id is not None:
                if parent_id not in by_id or parent_id >= entry.number:
                    raise ValidationError(
                        f"step {entry.number}: parentID {parent_id} names no earlier step (a parent's ID must be "
                        "smaller than its child's)", entry.where.child("input_meta_query", "parentID"),
                    )
                entry.parent = by_id[parent_id]
                entry.parent.children.append(entry)
            dataset = entry.meta_query.get("dataset")
            if dataset is not None:
                if entry.parent is not None:
                    raise ValidationError(
                        f"step {entry.number}: a step takes its input from a parent or from a dataset, not both",
                        entry.where.child("input_meta_query", "dataset"),
                    )
                entry.dataset = str(dataset)
        return entries

    # -- what CTADIRAC derives ---------------------------------------------------------------------------------
    def _check_keys(self, entry: _Entry) -> None:
        for key in _MANDATORY.get(entry.kind.name, ()):
            if entry.job.get(key) is None:
                raise ValidationError(
                    f"step {entry.number} ({entry.kind.name}): job_config.{key} is mandatory (as CTADIRAC says)",
                    entry.where.child("job_config"),
                )
        allowed = (*_JOB_KEYS, *_KEYS[entry.kind.name])
        for key, value in entry.job.items():
            where = entry.where.child("job_config", key)
            if key not in allowed:
                raise ValidationError(
                    f"step {entry.number} ({entry.kind.name}): unknown job_config key '{key}'{suggest(key, allowed)}",
                    where,
                )
            if key == "catalogs" and value is not None:
                names = {c.strip() for c in str(value).split(",") if c.strip()}
                if not names <= _CATALOGS or "DIRACFileCatalog" not in names:
                    raise UnsupportedFeature(
                        f"step {entry.number}: catalogs {value!r}: cwl2dirac registers outputs in the DIRAC File "
                        "Catalog (DIRACFileCatalog, and TSCatalog for the transformations)", where,
                    )
            if key in _IGNORED_BY_CTADIRAC and value is not None:
                self.messages.append(
                    f"{where.render()}: warning: job_config.{key} ignored ({_IGNORED_BY_CTADIRAC[key]})"
                )

    def _refine(self, entry: _Entry) -> dict[str, Any]:
        """The input_meta_query keys as catalog fields (CTADIRAC's constrained keys converted as it does)."""
        out: dict[str, Any] = {}
        for key, value in entry.meta_query.items():
            if key in ("parentID", "dataset") or value is None:
                continue
            where = entry.where.child("input_meta_query", key)
            near = ctao.near_miss(key)
            if near is not None:
                raise ValidationError(
                    f"step {entry.number}: input_meta_query key '{key}' is not a CTAO field (did you mean "
                    f"'{near}'?)", where,
                )
            if isinstance(value, dict | list):
                raise UnsupportedFeature(
                    f"step {entry.number}: input_meta_query.{key} is {value!r}; the import takes plain values",
                    where,
                )
            try:
                name, converted = ctao.alias(key, value)
            except ValueError as exc:
                raise ValidationError(f"step {entry.number}: input_meta_query.{key}: {exc}", where) from None
            if key == "sct" or key == "div_ang":
                converted = str(value)
            out[name] = converted
        return out

    def _derive(self, entry: _Entry) -> None:
        self._check_keys(entry)
        kind = entry.kind
        job = {k: v for k, v in entry.job.items() if v is not None}
        if kind.name == "MCSimulation":
            self._derive_simulation(entry, job)
            return
        entry.refinements = self._refine(entry)
        if entry.parent is not None:
            entry.query = dict(entry.parent.output)
            entry.unknown_input = entry.parent.unknown_input
        elif entry.dataset is not None:
            entry.unknown_input = True
        elif not entry.refinements:
            raise ValidationError(
                f"step {entry.number}: no parentID, no dataset and no query keys: nothing to process",
                entry.where.child("input_meta_query"),
            )
        entry.query.update(entry.refinements)
        if "moon" in job:
            job["nsb"] = ctao.alias("moon", job.pop("moon"))[1]
        attrs = {k: _unwrap(v) for k, v in entry.query.items()}
        attrs.update(self.common)
        attrs.update(job)
        metadata = {k: _unwrap(v) for k, v in entry.query.items()}
        metadata.update(job)
        out: dict[str, Any] = {}
        for key in ("array_layout", "site", "phiP", "thetaP"):
            if key in metadata:
                out[key] = metadata[key]
            elif not entry.unknown_input:
                raise ValidationError(
                    f"step {entry.number} ({kind.name}): CTADIRAC needs '{key}' in the metadata of its input files "
                    "(its parent's outputs or its input_meta_query)", entry.where.child("input_meta_query"),
                )
        if "particle" in metadata:
            out["particle"] = metadata["particle"]
        if metadata.get("sct") or not entry.unknown_input:
            out["sct"] = metadata.get("sct") or "False"
        out[f"{kind.category}_prog"] = kind.program
        out[f"{kind.category}_prog_version"] = str(attrs.get("version", "v0.10.0"))
        if "data_level" in attrs or not entry.unknown_input:
            out["data_level"] = int(attrs.get("data_level", kind.data_level))
        out["outputType"] = kind.output_type
        out["configuration_id"] = attrs.get("configuration_id", 1)
        out["MCCampaign"] = attrs.get("MCCampaign", "ProdTest")
        for key in ("view_cone", "systematics"):
            if metadata.get(key):
                out[key] = metadata[key]
        if kind.name == "Merging":
            level = entry.parent.output.get("merged", 0) if entry.parent is not None else attrs.get("merged", 0)
            out["merged"] = int(level) + 1
        for key in kind.file_fields:
            if key in entry.query:
                out[key] = _unwrap(entry.query[key])
        for key in kind.file_fields:
            if key in job:
                out[key] = job[key]
        entry.output = out
        entry.tool = self._tool(entry, out)

    def _derive_simulation(self, entry: _Entry, job: dict[str, Any]) -> None:
        if entry.parent is not None or entry.dataset is not None:
            raise ValidationError(f"step {entry.number}: an MCSimulation step takes no input", entry.where)
        for key in _NO_EQUIVALENT_WHEN_SET:
            if job.get(key) not in (None, False, ""):
                raise UnsupportedFeature(
                    f"step {entry.number}: MCSimulation's {key}: {job[key]!r} has no equivalent in the library's "
                    "simulation tool (corsika_simtelarray.cwl)", entry.where.child("job_config", key),
                )
        if job.get("sct") not in (None, False, ""):
            raise UnsupportedFeature(
                f"step {entry.number}: MCSimulation with SCTs (sct: {job['sct']!r}) has no equivalent in the "
                "library's simulation tool", entry.where.child("job_config", "sct"),
            )
        for key in ("site", "particle", "array_layout"):
            if key not in job:
                raise ValidationError(f"step {entry.number}: MCSimulation needs job_config.{key}", entry.where)
        moon = job.get("moon", "dark")
        moons = [m.strip() for m in str(moon).split(",")] if isinstance(moon, str) else list(moon)
        if len(moons) != 1:
            raise UnsupportedFeature(
                f"step {entry.number}: MCSimulation with several moon conditions ({moon}) in one run has no "
                "equivalent in the library's simulation tool (one nsb per run)",
                entry.where.child("job_config", "moon"),
            )
        try:
            nsb = ctao.alias("moon", moons[0])[1]
        except ValueError as exc:
            raise ValidationError(f"step {entry.number}: {exc}", entry.where.child("job_config", "moon")) from None
        if job["site"] not in ctao.SITES:
            raise UnsupportedFeature(
                f"step {entry.number}: site {job['site']!r} (the library simulates {', '.join(ctao.SITES)})",
                entry.where.child("job_config", "site"),
            )
        attrs = dict(self.common)
        attrs.update(job)
        pointing = job.get("pointing_dir", "North")
        if pointing not in ctao.POINTING_PHI:
            raise UnsupportedFeature(
                f"step {entry.number}: pointing_dir {pointing!r} (the library simulates North or South)",
                entry.where.child("job_config", "pointing_dir"),
            )
        entry.output = {
            "array_layout": job["array_layout"],
            "site": job["site"],
            "particle": job["particle"],
            "phiP": ctao.POINTING_PHI[pointing],
            "thetaP": float(job.get("zenith_angle", 20.0)),
            "sct": "False",
            "outputType": "Data",
            "tel_sim_prog": "sim_telarray",
            "tel_sim_prog_version": str(job.get("version", "v0.10.0")),
            "data_level": ctao.JOB_TYPES["mcsimulation"].data_level,
            "configuration_id": attrs.get("configuration_id", 1),
            "MCCampaign": attrs.get("MCCampaign", "ProdTest"),
            "nsb": nsb,
        }
        entry.tool = entry.kind.tools[0]
        entry.scattered = True

    def _tool(self, entry: _Entry, out: Mapping[str, Any]) -> str:
        kind = entry.kind
        if kind.name != "CtapipeProcessing":
            return kind.tools[0]
        level = out.get("data_level")
        if level == 1:
            return kind.tools[0]
        if level == 2:
            source_level = _unwrap(entry.query.get("data_level")) if "data_level" in entry.query else None
            return kind.tools[2] if source_level == 1 else kind.tools[1]
        raise UnsupportedFeature(
            f"step {entry.number}: CtapipeProcessing to data level {level!r}: the library processes to DL1 or DL2",
            entry.where.child("job_config", "data_level"),
        )

    # -- writing the workflow ----------------------------------------------------------------------------------
    def _run(self, tool: str) -> str:
        return os.path.relpath(self.library / tool, self.out_dir)

    def _input(self, name: str, spec: Any, metadata: Mapping[str, Any] | None = None,
               dataset: str | None = None) -> str:
        self.inputs[name] = spec
        if metadata:
            self.input_data[name] = dict(metadata)
        if dataset is not None:
            self.datasets[name] = dataset
        return name

    def _config_input(self, path: str) -> str:
        name = "config_" + safe_name(path.replace("/", "_").replace(".", "_"), collapse=True)
        if name in self.inputs:
            return name
        if self.config_dir is None:  # the release's, on the worker (as CTADIRAC's job takes it)
            self.inputs[name] = {"type": "File", "doc": f"CTADIRAC's configuration {path} (of the ctapipe release "
                                 "on the worker, $CTAPIPE_DIR/config)"}
            self.job_order[name] = {"class": "File", "location": SOFTWARE_CONFIG_SCHEME + path}
        else:
            self.inputs[name] = {"type": "File", "doc": f"CTADIRAC's configuration {path} (in {self.config_dir})"}
            self.job_order[name] = {"class": "File", "path": os.path.relpath(self.config_dir / path, self.out_dir)}
        return name

    def _write_step(self, entry: _Entry) -> None:
        kind = entry.kind
        step: dict[str, Any] = {"label": f"ProdSteps ID {entry.number}: {kind.name}", "run": self._run(entry.tool)}
        inputs: dict[str, Any] = {}
        options = self._options(entry, inputs)
        data_port = _DATA_PORT[entry.tool]
        if kind.name == "MCSimulation":
            self._simulation(entry, step, inputs)
        elif kind.name == "CtapipeTrainClassifier":
            self._classifier(entry, inputs)
        else:
            port = "input_files" if kind.name == "Merging" else "input"
            source, scattered = self._source(entry)
            if kind.name == "Merging":
                inputs[port] = {"source": [source], "linkMerge": "merge_nested"} if not scattered else source
                ext = str(entry.job.get("output_extension") or "merged.DL2.h5")
                try:
                    inputs["output_name"] = {"valueFrom": ctao.merge_output_name(ext)}
                except ValueError as exc:
                    raise UnsupportedFeature(f"step {entry.number}: {exc}",
                                             entry.where.child("job_config", "output_extension")) from None
            else:
                inputs[port] = source
                if scattered:
                    step["scatter"] = port
                    entry.scattered = True
            if kind.name == "CtapipeApplyModels":
                self._models(entry, inputs)
            if kind.name == "CtapipeProcessing":
                self._check_extension(entry)
        if options:
            inputs["options"] = {"default": options}
        step["in"] = inputs
        step["out"] = self._outputs(entry.tool)
        step["hints"] = self._hints(entry)
        self.steps[entry.name] = step
        if not entry.children:
            self.outputs[f"{entry.name}_{data_port}"] = {
                "type": "File[]" if entry.scattered else "File",
                "outputSource": f"{entry.name}/{data_port}",
            }

    def _outputs(self, tool: str) -> list[str]:
        document = yaml.safe_load((self.library / tool).read_text(encoding="utf-8"))
        outputs = document.get("outputs") or {}
        return list(outputs) if isinstance(outputs, dict) else [str(o["id"]) for o in outputs]

    def _source(self, entry: _Entry) -> tuple[str, bool]:
        """The data edge into a step: its parent's data output, or a workflow input (its query or dataset)."""
        if entry.parent is not None:
            return f"{entry.parent.name}/{_DATA_PORT[entry.parent.tool]}", entry.parent.scattered
        name = f"{entry.name}_input"
        doc = (f"The files of dataset {entry.dataset}" if entry.dataset else "The catalog files its query selects")
        self._input(name, {"type": "File[]", "doc": doc}, entry.refinements, entry.dataset)
        return name, True

    def _simulation(self, entry: _Entry, step: dict[str, Any], inputs: dict[str, Any]) -> None:
        job = entry.job
        runs = f"{entry.name}_runs"
        n_runs = self._input(f"{entry.name}_n_runs", {
            "type": "int", "default": 1,
            "doc": "Number of simulation runs (CTADIRAC adds them to the transformation with extendTransformation)",
        })
        self.job_order[n_runs] = 1
        first = int(job.get("start_run_number") or 0) + 1
        self.steps[runs] = {
            "label": f"ProdSteps ID {entry.number}: run numbers",
            "run": self._run("tools/run_numbers.cwl"),
            "in": {"n_runs": n_runs, "first_run": {"default": first}},
            "out": ["run_numbers"],
        }
        step["scatter"] = "run_number"
        inputs["run_number"] = f"{runs}/run_numbers"
        particle = job["particle"]
        if particle not in ("gamma", "gamma-diffuse", "proton", "electron"):
            raise UnsupportedFeature(
                f"step {entry.number}: particle {particle!r} is not one the library simulates "
                "(gamma, gamma-diffuse, proton, electron)", entry.where.child("job_config", "particle"),
            )
        inputs["particle"] = {"default": particle}
        inputs["site"] = {"default": ctao.SITES[job["site"]]}
        inputs["array_layout"] = {"default": job["array_layout"]}
        inputs["zenith"] = {"default": float(job.get("zenith_angle", 20.0))}
        inputs["azimuth"] = {"default": float(entry.output["phiP"])}
        if job.get("n_shower") is not None:
            inputs["n_showers"] = {"default": int(job["n_shower"])}
        inputs["nsb"] = {"default": entry.output["nsb"]}

    def _classifier(self, entry: _Entry, inputs: dict[str, Any]) -> None:
        if entry.parent is not None or entry.dataset is not None:
            raise UnsupportedFeature(
                f"step {entry.number}: CtapipeTrainClassifier fed by one parent or dataset: the library's classifier "
                "takes signal and background files separately; select them with input_meta_query keys",
                entry.where.child("input_meta_query"),
            )
        if "particle" in entry.refinements:
            raise UnsupportedFeature(
                f"step {entry.number}: CtapipeTrainClassifier selecting one particle "
                f"({entry.refinements['particle']}): it trains on {SIGNAL} (signal) and {BACKGROUND} (background)",
                entry.where.child("input_meta_query", "particle"),
            )
        for port, particle in (("signal", SIGNAL), ("background", BACKGROUND)):
            name = self._input(
                f"{entry.name}_{port}",
                {"type": "File", "doc": f"The {port} sample ({particle}) that CTADIRAC's query selects"},
                {**entry.refinements, "particle": particle},
            )
            inputs[port] = name

    def _models(self, entry: _Entry, inputs: dict[str, Any]) -> None:
        """CTADIRAC's ApplyModels finds its models by a query: its own output metadata as a Model of the training
        program, without particle and split."""
        for model in entry.models:
            port, program = ctao.MODEL_FILES[model]
            if entry.unknown_input:
                raise UnsupportedFeature(
                    f"step {entry.number}: its models are found by a query on its input's metadata, which its "
                    "dataset only gives at submission", entry.where.child("job_config", "options"),
                )
            query = {k: v for k, v in entry.output.items() if k not in ("particle", "split")}
            query.update({"outputType": "Model", "analysis_prog": program})
            inputs[port] = self._input(
                f"{entry.name}_{port}", {"type": "File", "doc": f"The {model} CTADIRAC downloads by query"}, query
            )

    def _check_extension(self, entry: _Entry) -> None:
        ext = entry.job.get("output_extension")
        level = entry.output.get("data_level")
        if ext is None or str(ext).lower() != f"dl{level}.h5":
            raise UnsupportedFeature(
                f"step {entry.number}: output_extension {ext!r}: the library's ctapipe-process names its output "
                f"<input stem>.dl{level}.h5", entry.where.child("job_config", "output_extension"),
            )

    def _options(self, entry: _Entry, inputs: dict[str, Any]) -> list[str]:
        """``job_config.options`` onto the tool's inputs; the options without an input of their own are kept, in
        order, for the tool's ``options``."""
        text = entry.job.get("options")
        if not text:
            return []
        where = entry.where.child("job_config", "options")
        try:
            tokens = shlex.split(str(text))
        except ValueError as exc:
            raise ValidationError(f"step {entry.number}: job_config.options: {exc}", where) from None
        kind = entry.kind.name
        configs: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            name, eq, value = token.partition("=")
            if name in ("-c", "--config"):
                if not eq:
                    if i + 1 >= len(tokens):
                        raise ValidationError(f"step {entry.number}: job_config.options: {name} without a file", where)
                    value = tokens[i + 1]
                    i += 1
                configs.append(value)
            elif kind == "CtapipeProcessing" and name == "--max-events":
                if not eq:
                    value = tokens[i + 1] if i + 1 < len(tokens) else ""
                    i += 1
                try:
                    inputs["max_events"] = {"default": int(value)}
                except ValueError:
                    raise ValidationError(f"step {entry.number}: --max-events {value!r}", where) from None
            elif kind == "CtapipeProcessing" and token in ("--write-images", "--write-muon-parameters"):
                inputs[token[2:].replace("-", "_")] = {"default": True}
            elif kind == "Merging" and token in ("--dl1-images", "--no-dl1-images", "--true-images",
                                                  "--no-true-images", "--telescope-events", "--no-telescope-events"):
                port = token.removeprefix("--no-").removeprefix("--").replace("-", "_")
                inputs[port] = {"default": not token.startswith("--no-")}
            elif kind == "Merging" and token == "--single-ob":
                inputs["single_ob"] = {"default": True}
            elif kind == "CtapipeApplyModels" and token == "--reconstructor" and i + 1 < len(tokens) and (
                tokens[i + 1] in ctao.MODEL_FILES
            ):
                entry.models.append(tokens[i + 1])
                i += 1
            else:
                rest.append(token)
            i += 1
        if configs:
            if kind in ("CtapipeProcessing", "CtapipeTrainEnergy", "CtapipeTrainClassifier", "CtapipeApplyModels"):
                inputs["config"] = self._config_input(configs[0])
            if len(configs) > 1:
                if kind != "CtapipeProcessing":
                    raise UnsupportedFeature(
                        f"step {entry.number}: {len(configs)} configuration files; the library's {kind} tool takes "
                        "one", where,
                    )
                names = [self._config_input(c) for c in configs[1:]]
                inputs["configs"] = {"source": names, "linkMerge": "merge_flattened"}
            if kind == "Merging":
                raise UnsupportedFeature(f"step {entry.number}: ctapipe-merge takes no configuration file", where)
        elif kind in ("CtapipeTrainEnergy", "CtapipeTrainClassifier"):
            raise ValidationError(
                f"step {entry.number}: {kind} needs its configuration (-c FILE in job_config.options)", where
            )
        if rest:
            self.messages.append(
                f"{where.render()}: info: options {' '.join(rest)} passed to the tool as they are (its 'options')"
            )
        return rest

    def _hints(self, entry: _Entry) -> dict[str, Any]:
        kind = entry.kind
        job = entry.job
        hints: dict[str, Any] = {}
        transformation: dict[str, Any] = {"type": kind.step_type}
        group = job.get("group_size")
        if kind.name == "Merging" and group is None:
            raise ValidationError(f"step {entry.number}: Merging needs job_config.group_size", entry.where)
        if kind.name != "MCSimulation":
            transformation["group_size"] = int(group or 1)
        if entry.parent is not None:
            refine = {k: v for k, v in entry.refinements.items() if entry.parent.output.get(k) != v}
            if refine:
                transformation["input_query"] = refine
        hints["dirac:Transformation"] = transformation
        package, category, compiler = kind.software
        hints["dirac:Software"] = {"package": package, "version": str(job.get("version", "v0.10.0")),
                                   "category": category, "compiler": compiler}
        dirac_job: dict[str, Any] = {}
        if job.get("destination"):
            dirac_job["sites"] = [s.strip() for s in str(job["destination"]).split(",") if s.strip()]
        if job.get("tag"):
            dirac_job["tags"] = [s.strip() for s in str(job["tag"]).split(",") if s.strip()]
        if job.get("cpu_time") is not None:
            dirac_job["cpu_time"] = int(job["cpu_time"])
        if dirac_job:
            hints["dirac:Job"] = dirac_job
        if job.get("nb_processors") is not None:
            resources = dict(self._tool_hints(entry.tool).get("ResourceRequirement") or {})
            if resources.get("coresMin") != int(job["nb_processors"]):
                resources["coresMin"] = int(job["nb_processors"])  # the tool's memory and disk stay
                hints["ResourceRequirement"] = resources
        fields = {k: v for k, v in entry.output.items() if k != "outputType" and self.common.get(k) != v}
        metadata: dict[str, Any] = {"fields": fields}
        per_port = self._tool_port_keys(entry.tool)
        outputs = {port: {k: entry.output[k] for k in keys if k in entry.output and k != "outputType"}
                   for port, keys in per_port.items()}
        outputs = {port: md for port, md in outputs.items() if md}
        if outputs:
            metadata["outputs"] = outputs
        if entry.unknown_input:  # what CTADIRAC takes from a dataset's meta-query: known at submission
            metadata["inherit"] = [k for k in _FROM_INPUT + kind.file_fields if k not in entry.output]
        else:
            metadata["inherit"] = False
        hints["dirac:Metadata"] = metadata
        return hints

    def _tool_hints(self, tool: str) -> dict[str, Any]:
        document = yaml.safe_load((self.library / tool).read_text(encoding="utf-8"))
        hints = document.get("hints") or {}
        return hints if isinstance(hints, dict) else {h.get("class"): h for h in hints}

    def _tool_port_keys(self, tool: str) -> dict[str, list[str]]:
        """The metadata keys the library tool sets per output port (the step's values must win over them)."""
        hint = self._tool_hints(tool).get("dirac:Metadata") or {}
        return {port: list(md) for port, md in (hint.get("outputs") or {}).items()}

    def _workflow(self, entries: list[_Entry]) -> dict[str, Any]:
        hints: dict[str, Any] = {}
        fields = {k: self.common[k] for k in ("MCCampaign", "configuration_id") if k in self.common}
        if fields:
            hints["dirac:Metadata"] = {"fields": fields}
        hints["dirac:Job"] = {"output_path": str(self.common["base_path"]).rstrip("/") or "/",
                              "lfn_layout": "ctadirac"}
        if self.input_data or self.datasets:
            input_data: dict[str, Any] = {}
            if self.input_data:
                input_data["inputs"] = self.input_data
            if self.datasets:
                input_data["datasets"] = self.datasets
            hints["dirac:InputData"] = input_data
        summary = ", ".join(f"{e.number} {e.kind.name}" for e in entries)
        return {
            "cwlVersion": "v1.2",
            "class": "Workflow",
            "$namespaces": {"dirac": NAMESPACE},
            "label": f"{self.source} (CTADIRAC ProdSteps)",
            "doc": f"Imported from CTADIRAC's ProdSteps {self.source}: steps {summary}.",
            "requirements": {
                "ScatterFeatureRequirement": {},
                "MultipleInputFeatureRequirement": {},
                "StepInputExpressionRequirement": {},
                "InlineJavascriptRequirement": {},
                "SchemaDefRequirement": {"types": [{"$import": self._run("types/ctao.yml")}]},
            },
            "hints": hints,
            "inputs": dict(sorted(self.inputs.items())),
            "outputs": self.outputs,
            "steps": self.steps,
        }


def _unwrap(value: Any) -> Any:
    """``{"=": v}`` → ``v`` (as CTADIRAC reads a query value into a job attribute)."""
    if isinstance(value, dict) and set(value) == {"="}:
        return value["="]
    return value

