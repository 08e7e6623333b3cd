"""The intermediate representation: typed, immutable, independent of the CWL version.

The loader turns CWL v1.0/v1.1/v1.2 documents into these values; every pass takes and returns them. Nothing here
imports cwl-utils, schema-salad or DIRAC.

Naming: inside a (flattened) workflow a step is named by its id (``outer/inner`` after flattening), a workflow input
by its plain name, and a value flowing along an edge by a :class:`PortRef`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cwl2dirac.errors import Location

ScalarKind = Literal[
    "null", "boolean", "int", "long", "float", "double", "string", "File", "Directory", "Any", "stdout", "stderr"
]
TypeKind = Literal[
    "null", "boolean", "int", "long", "float", "double", "string", "File", "Directory", "Any",
    "array", "record", "enum", "union",
]

NUMERIC = frozenset({"int", "long", "float", "double"})


@dataclass(frozen=True, slots=True)
class CwlType:
    """A CWL type, normalised: ``File[]`` is ``array(File)``, ``int?`` is ``union(null, int)``."""

    kind: TypeKind
    items: CwlType | None = None
    members: tuple[CwlType, ...] = ()
    name: str | None = None
    fields: tuple[tuple[str, CwlType], ...] = ()
    symbols: tuple[str, ...] = ()
    field_secondary_files: tuple[tuple[str, tuple[SecondaryFile, ...]], ...] = field(default=(), compare=False)
    """Of a record: the ``secondaryFiles`` patterns of its fields that have some, by field name."""

    @property
    def optional(self) -> bool:
        return self.kind == "null" or (self.kind == "union" and any(m.kind == "null" for m in self.members))

    def non_null(self) -> CwlType:
        """The type without its ``null`` member (``int?`` → ``int``)."""
        if self.kind != "union":
            return self
        rest = tuple(m for m in self.members if m.kind != "null")
        return rest[0] if len(rest) == 1 else replace(self, members=rest)

    @property
    def is_array(self) -> bool:
        return self.non_null().kind == "array"

    def item(self) -> CwlType:
        """Element type of an array type (the type itself otherwise)."""
        t = self.non_null()
        return t.items if t.kind == "array" and t.items is not None else t

    @property
    def carries_files(self) -> bool:
        """True if values of this type are or contain File/Directory objects."""
        t = self.non_null()
        if t.kind in ("File", "Directory"):
            return True
        if t.kind == "array":
            return t.items is not None and t.items.carries_files
        if t.kind == "union":
            return any(m.carries_files for m in t.members)
        if t.kind == "record":
            return any(ft.carries_files for _, ft in t.fields)
        return False

    @property
    def nests_files(self) -> bool:
        """True if values of this type may hold File/Directory objects inside a record: such a value travels as
        one carrier whose File leaves are references to catalog entries."""
        t = self.non_null()
        if t.kind == "record":
            return t.carries_files
        if t.kind == "array":
            return t.items is not None and t.items.nests_files
        if t.kind == "union":
            return any(m.nests_files for m in t.members)
        return False

    def __str__(self) -> str:
        if self.kind == "array":
            return f"{self.items}[]"
        if self.kind == "union":
            rest = [m for m in self.members if m.kind != "null"]
            if len(rest) == 1 and len(self.members) == 2:
                return f"{rest[0]}?"
            return "|".join(str(m) for m in self.members)
        if self.kind in ("record", "enum"):
            return self.name or self.kind
        return self.kind


ANY = CwlType("Any")


@dataclass(frozen=True, slots=True)
class Requirement:
    """A requirement or hint: its class (``ResourceRequirement``, ``dirac:Job``…) and its fields as plain data."""

    cls: str
    fields: Mapping[str, Any]
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Port:
    """An input or output parameter of a tool or workflow."""

    id: str
    type: CwlType
    default: Any = None
    has_default: bool = False
    label: str | None = None
    doc: str | None = None
    location: Location | None = field(default=None, compare=False)
    secondary_files: tuple[SecondaryFile, ...] = ()
    """The parameter's ``secondaryFiles`` patterns, in order."""
    load_contents: bool = False
    """``loadContents`` (or ``inputBinding.loadContents``): a File's value carries its first 64 KiB."""


@dataclass(frozen=True, slots=True)
class SecondaryFile:
    """One ``secondaryFiles`` entry: a pattern (``.idx``, ``^.bai``, or an expression) and whether it is required
    (``None``: the default, required unless the pattern ends with ``?``; or a boolean or an expression)."""

    pattern: str
    required: bool | str | None = None


@dataclass(frozen=True, slots=True)
class PortRef:
    """One end of a data edge: a workflow input (``step is None``) or an output of a step."""

    step: str | None
    port: str

    def __str__(self) -> str:
        return self.port if self.step is None else f"{self.step}/{self.port}"


@dataclass(frozen=True, slots=True)
class Tool:
    """A process run by a step: CommandLineTool, ExpressionTool, Operation or (before flattening) Workflow."""

    id: str
    cls: Literal["CommandLineTool", "ExpressionTool", "Operation", "Workflow"]
    cwl_version: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    requirements: tuple[Requirement, ...] = ()
    hints: tuple[Requirement, ...] = ()
    label: str | None = None
    doc: str | None = None
    base_command: tuple[str, ...] = ()
    workflow: Workflow | None = None
    """The nested workflow, for ``cls == "Workflow"``."""
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The self-contained CWL document of this process (imports resolved), as plain data for the worker."""
    location: Location | None = field(default=None, compare=False)

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.id == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.id == name), None)


@dataclass(frozen=True, slots=True)
class StepInput:
    """A step's ``in`` entry."""

    id: str
    sources: tuple[PortRef, ...] = ()
    link_merge: str | None = None
    pick_value: str | None = None
    default: Any = None
    has_default: bool = False
    value_from: str | None = None
    location: Location | None = field(default=None, compare=False)
    load_contents: bool = False
    """``loadContents``: the File's first 64 KiB in its ``contents`` (for ``valueFrom``, ``when``, the tool)."""


@dataclass(frozen=True, slots=True)
class ScatterLevel:
    """One scatter a step runs under: a scattered sub-workflow's, or the step's own (see :attr:`Step.levels`)."""

    method: str
    """``dotproduct``, ``flat_crossproduct`` or ``nested_crossproduct``."""
    params: tuple[tuple[str, ...], ...]
    """Per scattered parameter, in the scatter's order: the step's inputs that take its element (several inputs
    fed by one sub-workflow input take the same element)."""

    @property
    def depth(self) -> int:
        """How many array levels the scatter adds to an output (``nested_crossproduct``: one per parameter)."""
        return len(self.params) if self.method == "nested_crossproduct" else 1


@dataclass(frozen=True, slots=True)
class Step:
    """A workflow step. After flattening, ``id`` is the readable path ``outer/inner``."""

    id: str
    tool: Tool
    inputs: tuple[StepInput, ...]
    outputs: tuple[str, ...]
    scatter: tuple[str, ...] = ()
    scatter_method: str | None = None
    when: str | None = None
    requirements: tuple[Requirement, ...] = ()
    hints: tuple[Requirement, ...] = ()
    label: str | None = None
    doc: str | None = None
    location: Location | None = field(default=None, compare=False)
    scatter_levels: tuple[ScatterLevel, ...] = ()
    """Set by flattening when one scatter cannot say it (a scatter inside a scattered sub-workflow, or a
    sub-workflow's crossproduct whose parameters feed several inputs): every scatter the step runs under,
    outermost first; ``scatter`` then names all their inputs and ``scatter_method`` is None."""

    def input(self, name: str) -> StepInput | None:
        return next((i for i in self.inputs if i.id == name), None)

    @property
    def levels(self) -> tuple[ScatterLevel, ...]:
        """The scatters the step runs under, outermost first (its own scatter as one level; none if not
        scattered)."""
        if self.scatter_levels:
            return self.scatter_levels
        if not self.scatter:
            return ()
        method = self.scatter_method or "dotproduct"
        if len(self.scatter) == 1:
            method = "dotproduct"
        return (ScatterLevel(method, tuple((p,) for p in self.scatter)),)

    @property
    def scatter_depth(self) -> int:
        """How many array levels the step's scatters add to its outputs."""
        return sum(level.depth for level in self.levels)

    @property
    def skips_elements(self) -> bool:
        """Scattered with ``when``: a skipped element is null in the gathered outputs, and registers nothing."""
        return self.when is not None and bool(self.scatter)

    def all_requirements(self) -> tuple[Requirement, ...]:
        """Step requirements first (they win), then the tool's."""
        return self.requirements + self.tool.requirements

    def all_hints(self) -> tuple[Requirement, ...]:
        return self.hints + self.tool.hints

    def find(self, cls: str) -> Requirement | None:
        """The effective requirement or hint of class ``cls`` (requirements before hints, step before tool)."""
        for req in (*self.all_requirements(), *self.all_hints()):
            if req.cls == cls:
                return req
        return None


@dataclass(frozen=True, slots=True)
class WorkflowOutput:
    id: str
    type: CwlType
    sources: tuple[PortRef, ...] = ()
    link_merge: str | None = None
    pick_value: str | None = None
    label: str | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Workflow:
    """A workflow: inputs, outputs, steps and its own requirements/hints."""

    id: str
    cwl_version: str
    inputs: tuple[Port, ...]
    outputs: tuple[WorkflowOutput, ...]
    steps: tuple[Step, ...]
    requirements: tuple[Requirement, ...] = ()
    hints: tuple[Requirement, ...] = ()
    label: str | None = None
    doc: str | None = None
    location: Location | None = field(default=None, compare=False)
    software_inputs: frozenset[str] = frozenset()
    """The inputs whose job-order value is Files of the software release (``software-config:``): plain values that
    the worker locates, not catalog data (:mod:`cwl2dirac.request.software`)."""
    _index: dict[str, Step] | None = field(default=None, init=False, compare=False, repr=False)

    def step(self, step_id: str) -> Step:
        """The step with this id (an index built on first use: passes look steps up many times)."""
        index = self._index
        if index is None:
            index = {s.id: s for s in self.steps}
            object.__setattr__(self, "_index", index)
        return index[step_id]

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.id == name), None)

    def find(self, cls: str) -> Requirement | None:
        for req in (*self.requirements, *self.hints):
            if req.cls == cls:
                return req
        return None


@dataclass(frozen=True, slots=True)
class Edge:
    """A data edge of the step graph: ``source`` feeds input ``port`` of step ``target``."""

    source: PortRef
    target: str
    port: str
