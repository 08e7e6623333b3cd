"""CTAO's catalog vocabulary, as CTADIRAC uses it: every metadata field with its DIRAC type and its catalog level.

CTADIRAC sets the *directory* fields on the directories of its LFN layout (``cta-prod-submit`` creates them, with
their metadata, before the jobs run) and the *file* fields on each file (``cta-prod-managedata``); a DIRAC
meta-query sees both. cwl2dirac knows these fields natively: a ``dirac:Metadata`` or ``dirac:InputData`` hint that
uses them needs no ``dirac:MetadataFields``, and a field that is a near miss of one of them is an error.

The directories of CTADIRAC's LFN layout (:func:`ctadirac_directory`)::

    <base_path>/<MCCampaign>/<site>/<particle>/<X_prog>/<transformation id>/<outputType>/<runNumber // 1000>xxx/<file>

with ``X`` the program category of the step (``tel_sim``, ``analysis``, ``airshower_sim``). Levels without a value
are left out, as CTADIRAC leaves them out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

VARCHAR, INT, FLOAT = "VARCHAR(128)", "INT", "FLOAT"
Level = Literal["directory", "file"]


@dataclass(frozen=True, slots=True)
class CtaoField:
    """One metadata field of CTAO's catalog."""

    name: str
    type: str
    """Its DIRAC type: ``VARCHAR(128)``, ``INT`` or ``FLOAT``."""
    level: Level
    """Where CTADIRAC sets it: on the directories of its layout, or on each file."""
    doc: str


def _fields(*rows: tuple[str, str, Level, str]) -> dict[str, CtaoField]:
    return {name: CtaoField(name, kind, level, doc) for name, kind, level, doc in rows}


PROGRAM_CATEGORIES = ("tel_sim", "analysis", "airshower_sim")
"""CTADIRAC's program categories: ``<category>_prog`` names the program, ``<category>_prog_version`` its version."""

FIELDS: dict[str, CtaoField] = _fields(
    ("MCCampaign", VARCHAR, "directory", "Monte-Carlo campaign (PROD5b, PROD6...); CTADIRAC's Common.MCCampaign"),
    ("site", VARCHAR, "directory", "Array site: Paranal, LaPalma"),
    ("particle", VARCHAR, "directory", "Primary particle: gamma, gamma-diffuse, proton, electron, helium, muon"),
    ("array_layout", VARCHAR, "directory", "Telescope layout (Alpha, Advanced-Baseline, Prod6-Hyperarray...)"),
    ("thetaP", FLOAT, "directory", "Pointing zenith angle in degrees (ProdSteps' zenith_angle)"),
    ("phiP", FLOAT, "directory", "Pointing azimuth in degrees: 180 North, 0 South (ProdSteps' pointing_dir)"),
    ("sct", VARCHAR, "directory", "Whether SCTs are simulated: 'True' or 'False'"),
    ("tel_sim_prog", VARCHAR, "directory", "Telescope simulation program (sim_telarray)"),
    ("tel_sim_prog_version", VARCHAR, "directory", "Version of the telescope simulation"),
    ("analysis_prog", VARCHAR, "directory", "Analysis program (ctapipe-process, ctapipe-merge, ...)"),
    ("analysis_prog_version", VARCHAR, "directory", "Version of the analysis program"),
    ("airshower_sim_prog", VARCHAR, "directory", "Air-shower simulation program (corsika, CORSIKA only)"),
    ("airshower_sim_prog_version", VARCHAR, "directory", "Version of the air-shower simulation"),
    ("data_level", INT, "directory", "Data level: MC0 -3, R0 -2, R1 -1, DL0 0 ... DL5 5"),
    ("outputType", VARCHAR, "directory", "Data, Log or Model"),
    ("configuration_id", INT, "directory", "Production configuration; CTADIRAC's Common.configuration_id"),
    ("merged", INT, "directory", "Merging depth (0: not merged; each Merging step adds 1)"),
    ("systematics", VARCHAR, "directory", "Systematic uncertainty tested (simtel processing)"),
    ("view_cone", VARCHAR, "directory", "View cone of a diffuse simulation (SimPipe)"),
    ("nsb", INT, "file", "Night-sky background: 1 dark, 5 half moon, 19 full moon (ProdSteps' moon)"),
    ("div_ang", VARCHAR, "file", "Divergent pointing angle"),
    ("split", VARCHAR, "file", "Sample of the file: train_en, train_cl, test"),
    ("runNumber", INT, "file", "Simulation run number"),
    ("jobID", INT, "file", "DIRAC job id that made the file"),
)
"""Every CTAO catalog field, by name."""

TYPES: dict[str, str] = {name: f.type for name, f in FIELDS.items()}
DIRECTORY_FIELDS = tuple(name for name, f in FIELDS.items() if f.level == "directory")
FILE_FIELDS = tuple(name for name, f in FIELDS.items() if f.level == "file")

MOON_NSB = {"dark": 1, "half": 5, "full": 19}
"""ProdSteps' ``moon`` (a query and simulation key, not a catalog field) → the catalog's ``nsb``."""
POINTING_PHI = {"North": 180, "South": 0}
"""ProdSteps' ``pointing_dir`` → the catalog's ``phiP``."""
ALIASES = {"moon": "nsb", "pointing_dir": "phiP", "zenith_angle": "thetaP"}
"""ProdSteps keys that CTADIRAC turns into catalog fields (moon: dark → nsb: 1, pointing_dir: North → phiP: 180,
zenith_angle: 20 → thetaP: 20.0)."""

LAYOUTS = ("cwl2dirac", "ctadirac")
"""LFN layouts of a step's outputs (``dirac:Job.lfn_layout``): cwl2dirac's own (the default,
``<output_path>/<production>/<step>/<task>/<file>``) or CTADIRAC's (the module docstring)."""


def alias(key: str, value: Any) -> tuple[str, Any]:
    """A ProdSteps alias as its catalog field and value (``moon: dark`` → ``nsb: 1``); other keys unchanged.
    Raises ``ValueError`` for a value CTADIRAC does not know."""
    if key == "moon":
        if value not in MOON_NSB:
            raise ValueError(f"moon must be one of {', '.join(MOON_NSB)} (got {value!r})")
        return "nsb", MOON_NSB[value]
    if key == "pointing_dir":
        if value not in POINTING_PHI:
            raise ValueError(f"pointing_dir must be North or South (got {value!r})")
        return "phiP", POINTING_PHI[value]
    if key == "zenith_angle":
        return "thetaP", float(value)
    return key, value


def near_miss(name: str, declared: Iterable[str] = ()) -> str | None:
    """The CTAO field ``name`` is probably a misspelling of (None when it is one, or is declared, or is far from
    every CTAO field): same letters in another case, or a close match."""
    if name in FIELDS or name in ALIASES or name in set(declared):
        return None
    lower = {f.lower(): f for f in FIELDS}
    if name.lower() in lower:
        return lower[name.lower()]
    match = difflib.get_close_matches(name, list(FIELDS), n=1, cutoff=0.8)
    return match[0] if match else None


def _format(value: Any) -> str:
    """A directory name as CTADIRAC writes it: numbers with one decimal (``20`` → ``20.0``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:.1f}"
    return str(value)


def ctadirac_directory(
    base: str, metadata: Mapping[str, Any], transformation: str, run_number: int | None = None
) -> str:
    """The directory CTADIRAC puts a file with this ``metadata`` in (see the module docstring); ``run_number``
    (CTADIRAC takes it from the file name) gives the last level, ``<run // 1000 as 3 digits>xxx``."""
    parts = [base.rstrip("/")]
    programs = [f"{c}_prog" for c in PROGRAM_CATEGORIES if f"{c}_prog" in metadata]
    for key in ("MCCampaign", "site", "particle", *programs[:1]):
        if key in metadata:
            parts.append(_format(metadata[key]))
    parts.append(str(transformation))
    if "outputType" in metadata:
        parts.append(str(metadata["outputType"]))
    if run_number is not None:
        parts.append(f"{run_number // 1000:03d}xxx")
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class JobType:
    """One of CTADIRAC's ``job_config.type`` values (its ``WorkflowElement`` types), and what cwl2dirac runs for
    it: a tool of the CTAO library (``cwl/``), or none (the type is refused)."""

    name: str
    """As CTADIRAC's configurations write it (CTADIRAC compares it lower-cased)."""
    step_type: str
    """The DIRAC transformation type CTADIRAC gives the step."""
    step_name: str
    """CTADIRAC's default ProductionStep name (a step's ``name`` replaces it)."""
    category: str | None = None
    """CTADIRAC's program category: the outputs' ``<category>_prog`` names ``program``."""
    program: str | None = None
    tools: tuple[str, ...] = ()
    """The library tools (paths below ``cwl/``) that run it, by data level for processing; () = none."""
    output_type: str = "Data"
    data_level: int = 2
    """The data level of its outputs when neither its input nor its job_config gives one."""
    file_fields: tuple[str, ...] = ("nsb", "div_ang")
    """The catalog fields CTADIRAC sets on each file of its outputs (from its input query and job_config)."""
    software: tuple[str, str, str] = ("ctapipe", "stage1", "gcc48_default")
    """Its software set-up as CTADIRAC's job class gives it: package, category (-a), compiler (-g)."""


JOB_TYPES: dict[str, JobType] = {
    t.name.lower(): t
    for t in (
        JobType("MCSimulation", "MCSimulation", "MCSimulation", "tel_sim", "sim_telarray",
                ("tools/corsika_simtelarray.cwl",), data_level=-1,
                software=("corsika_simtelarray", "simulations", "gcc83_matchcpu")),
        JobType("SimPipe", "MCSimulation", "MCSimulation", "tel_sim", "sim_telarray", data_level=-1,
                software=("simpipe", "simulations", "gcc83_matchcpu")),
        JobType("SimTelProcessing", "DataReprocessing", "SimTelProcessing", "tel_sim", "sim_telarray"),
        JobType("CtapipeProcessing", "DataReprocessing", "CtapipeProcessing", "analysis", "ctapipe-process",
                ("tools/ctapipe_process.cwl", "tools/ctapipe_process_dl0_dl2.cwl", "tools/ctapipe_process_dl1_dl2.cwl"),
                file_fields=("nsb", "div_ang", "split")),
        JobType("EvnDispProcessing", "DataReprocessing", "EvnDisp", "analysis", "evndisp"),
        JobType("Merging", "Merging", "Merging", "analysis", "ctapipe-merge", ("tools/ctapipe_merge.cwl",),
                file_fields=("nsb", "div_ang", "split")),
        JobType("CtapipeTrainEnergy", "Training", "CtapipeTrainEnergy", "analysis",
                "ctapipe-train-energy-regressor", ("tools/ctapipe_train_energy_regressor.cwl",), "Model"),
        JobType("CtapipeTrainClassifier", "Training", "CtapipeTrainClassifier", "analysis",
                "ctapipe-train-particle-classifier", ("tools/ctapipe_train_particle_classifier.cwl",), "Model"),
        JobType("CtapipeApplyModels", "ApplyModel", "CtapipeApplyModels", "analysis", "ctapipe-apply-models",
                ("tools/ctapipe_apply_models.cwl",), file_fields=("nsb", "div_ang", "split")),
    )
}
"""CTADIRAC 3.1's job types, by lower-cased name."""

SITES = {"LaPalma": "CTAO-North", "Paranal": "CTAO-South"}
"""CTADIRAC's ``site`` (catalog value) → the library's ``Site`` enum."""
MODEL_FILES = {"energy_model.pkl": ("energy_model", "ctapipe-train-energy-regressor"),
               "classifier_model.pkl": ("classifier_model", "ctapipe-train-particle-classifier")}
"""CTADIRAC's ApplyModels options ``--reconstructor <file>``: the model it downloads by query, as the library's
``ctapipe_apply_models`` input and the training program whose outputs the query selects."""


_STEM = r"/\.(simtel|dl[0-9]|DL[0-9]|h5|zst|gz).*$/"
_MERGE_NAME = re.compile(
    r"\$\(inputs\.input_files\[0\]\.basename\.replace\(.*, ''\) \+ '\.([A-Za-z0-9_.-]+)'\)"
)


def merge_output_name(extension: str) -> str:
    """The ``valueFrom`` naming a merged file as CTADIRAC's merge job names it from its ``output_extension``: the
    first input's stem, then the extension."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", extension):
        raise ValueError(f"output_extension {extension!r} is not a file name suffix")
    return f"$(inputs.input_files[0].basename.replace({_STEM}, '') + '.{extension}')"


def merge_extension(value_from: str) -> str | None:
    """The ``output_extension`` of a ``valueFrom`` written by :func:`merge_output_name`, else None."""
    match = _MERGE_NAME.fullmatch(value_from.strip())
    return match.group(1) if match else None
