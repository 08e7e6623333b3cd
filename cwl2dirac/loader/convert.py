"""cwl-utils objects (any CWL version) → the version-independent IR of :mod:`cwl2dirac.ir`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

from cwl2dirac.errors import LoadError, Location, ValidationError
from cwl2dirac.ir import (
    ANY,
    CwlType,
    Port,
    PortRef,
    Requirement,
    SecondaryFile,
    Step,
    StepInput,
    Tool,
    Workflow,
    WorkflowOutput,
)
from cwl2dirac.loader import hints as dirac_hints
from cwl2dirac.loader import vocabularies
from cwl2dirac.loader.documents import DocumentCache
from cwl2dirac.location import display_path, float_text, raw_value

_PRIMITIVES = {
    "null", "boolean", "int", "long", "float", "double", "string", "File", "Directory", "Any",
}
_SALAD = "https://w3id.org/cwl/salad#"
_CWL = "https://w3id.org/cwl/cwl#"


def fragment(uri: str) -> str:
    """What follows the first ``#`` (as ``urldefrag``), or the whole ``uri`` when it has no fragment."""
    return uri.partition("#")[2] or uri


def shortname(uri: str) -> str:
    """``file:///x/wf.cwl#step/port`` → ``port``."""
    return fragment(uri).rsplit("/", 1)[-1]


class Converter:
    """Builds IR values; tools referenced several times are converted once."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self._tools: dict[str, Tool] = {}
        self._stack: list[str] = []
        self._scopes: list[dict[str, CwlType]] = []
        """The named types of the processes being converted (a SchemaDefRequirement applies to inner steps)."""

    # -- processes -----------------------------------------------------------------------------------------
    def process(self, obj: Any, uri: str, location: Location | None = None, inline: bool = False) -> Tool:
        """``inline``: an anonymous ``run:`` object (cwl-utils gives it a random ``_:`` id); it is named ``uri``
        (``<step id>/run``) and located at ``location``, so that output and messages are deterministic."""
        key = uri if inline else (getattr(obj, "id", None) or uri)
        if key in self._tools:
            return self._tools[key]
        if key in self._stack:
            cycle = " -> ".join(
                display_path(k) if "#" not in k else fragment(k) for k in [*self._stack[self._stack.index(key):], key]
            )
            raise ValidationError(f"recursive 'run:' reference: {cycle}", location)
        self._stack.append(key)
        try:
            tool = self._convert_process(obj, key, location if inline else None)
        finally:
            self._stack.pop()
        self._tools[key] = tool
        return tool

    def _convert_process(self, obj: Any, key: str, loc: Location | None = None) -> Tool:
        cls = getattr(obj, "class_", None) or type(obj).__name__
        if loc is None:
            loc = Location(urldefrag(key)[0], _process_path(key))
        version = str(getattr(obj, "cwlVersion", None) or _version_of(obj))
        named = _named_types(obj, self._scopes[-1] if self._scopes else {}, loc)
        for section in ("inputs", "outputs", "steps"):
            _unique_ids(getattr(obj, section, None) or (), section, loc)
        inputs = tuple(self._port(p, named, loc.child("inputs")) for p in obj.inputs or ())
        outputs = tuple(self._port(p, named, loc.child("outputs")) for p in obj.outputs or ())
        namespaces = _namespaces(obj)
        reqs = tuple(_requirements(obj.requirements, loc.child("requirements"), namespaces))
        hints = tuple(_requirements(obj.hints, loc.child("hints"), namespaces, hints=True))
        base_command = getattr(obj, "baseCommand", None) or ()
        if isinstance(base_command, str):
            base_command = (base_command,)
        workflow = None
        if cls == "Workflow":
            self._scopes.append(named)
            try:
                workflow = self._workflow(obj, key, inputs, reqs, hints, named, version, loc)
            finally:
                self._scopes.pop()
        return Tool(
            id=key,
            cls=cls,  # type: ignore[arg-type]  # checked by cwl-utils' schema
            cwl_version=version,
            inputs=inputs,
            outputs=outputs,
            requirements=reqs,
            hints=hints,
            label=getattr(obj, "label", None),
            doc=_doc(getattr(obj, "doc", None)),
            base_command=tuple(str(b) for b in base_command),
            workflow=workflow,
            document=_LazyDocument(obj, version, _document_defaults(inputs)),
            location=loc,
        )

    def _workflow(
        self,
        obj: Any,
        key: str,
        inputs: tuple[Port, ...],
        reqs: tuple[Requirement, ...],
        hints: tuple[Requirement, ...],
        named: dict[str, CwlType],
        version: str,
        loc: Location,
    ) -> Workflow:
        steps = tuple(self._step(s, key, loc.child("steps")) for s in obj.steps or ())
        outputs = tuple(
            WorkflowOutput(
                id=shortname(o.id),
                type=convert_type(o.type_, named, loc.child("outputs", shortname(o.id), "type")),
                sources=_refs(getattr(o, "outputSource", None), key),
                link_merge=getattr(o, "linkMerge", None),
                pick_value=getattr(o, "pickValue", None),
                label=getattr(o, "label", None),
                location=loc.child("outputs", shortname(o.id)),
            )
            for o in obj.outputs or ()
        )
        return Workflow(
            id=key,
            cwl_version=version,
            inputs=inputs,
            outputs=outputs,
            steps=steps,
            requirements=reqs,
            hints=hints,
            label=getattr(obj, "label", None),
            doc=_doc(getattr(obj, "doc", None)),
            location=loc,
        )

    def _step(self, s: Any, wf_id: str, loc: Location) -> Step:
        step_id = _relative(s.id, wf_id)
        sloc = loc.child(step_id)
        run = s.run
        if isinstance(run, str):
            run_uri = run
            try:
                run_obj = self.cache.get(run_uri)
            except LoadError as exc:
                if exc.location is None:
                    raise LoadError(f"step '{step_id}': {exc.message}", sloc.child("run")) from None
                raise
            tool = self.process(run_obj, run_uri, sloc.child("run"))
        else:
            run_id = getattr(run, "id", None)
            inline = not run_id or str(run_id).startswith("_:")
            tool = self.process(run, f"{s.id}/run" if inline else str(run_id), sloc.child("run"), inline=inline)
        inputs = tuple(
            StepInput(
                id=shortname(i.id),
                sources=_refs(i.source, wf_id),
                link_merge=getattr(i, "linkMerge", None),
                pick_value=getattr(i, "pickValue", None),
                default=_unflattened(_plain(i.default), sloc.child("in", shortname(i.id), "default")),
                has_default=i.default is not None,
                value_from=getattr(i, "valueFrom", None),
                location=sloc.child("in", shortname(i.id)),
                load_contents=bool(getattr(i, "loadContents", None)),
            )
            for i in s.in_ or ()
        )
        outs = tuple(shortname(o if isinstance(o, str) else o.id) for o in s.out or ())
        scatter = s.scatter
        if isinstance(scatter, str):
            scatter = [scatter]
        return Step(
            id=step_id,
            tool=tool,
            inputs=inputs,
            outputs=outs,
            scatter=tuple(shortname(x) for x in scatter or ()),
            scatter_method=getattr(s, "scatterMethod", None),
            when=getattr(s, "when", None),
            requirements=tuple(_requirements(s.requirements, sloc.child("requirements"), _namespaces(s))),
            hints=tuple(_requirements(s.hints, sloc.child("hints"), _namespaces(s), hints=True)),
            label=getattr(s, "label", None),
            doc=_doc(getattr(s, "doc", None)),
            location=sloc,
        )

    def _port(self, p: Any, named: dict[str, CwlType], loc: Location) -> Port:
        name = shortname(p.id)
        default = getattr(p, "default", None)
        return Port(
            id=name,
            type=convert_type(p.type_, named, loc.child(name, "type")),
            default=_unflattened(_plain(default), loc.child(name, "default")),
            has_default=default is not None,
            label=getattr(p, "label", None),
            doc=_doc(getattr(p, "doc", None)),
            location=loc.child(name),
            secondary_files=_secondary_files(getattr(p, "secondaryFiles", None)),
            load_contents=bool(
                getattr(p, "loadContents", None) or getattr(getattr(p, "inputBinding", None), "loadContents", None)
            ),
        )


def _document_defaults(inputs: tuple[Port, ...]) -> dict[str, Any]:
    """Input defaults that the tool document must give as the file has them, not as cwl-utils read them: arrays of
    arrays (which cwl-utils flattens) and floats written with an exponent (as text: the worker reads them as YAML,
    as cwltool does)."""
    out: dict[str, Any] = {}
    for p in inputs:
        if isinstance(p.default, list | dict):
            out[p.id] = p.default
        elif isinstance(p.default, float) and p.location is not None:
            text = float_text(p.location.child("default"))
            if text is not None:
                out[p.id] = text
    return out


def _unflattened(value: Any, where: Location) -> Any:
    """A default that holds arrays of arrays, as its file gives it: cwl-utils' loader splices nested lists into
    their parent (``[[a, b], [c]]`` read as ``[a, b, c]``), which cwltool does not."""
    if not isinstance(value, list | dict):
        return value
    try:
        return _renest(raw_value(where), value)
    except _ShapeMismatch:
        return value


class _ShapeMismatch(Exception):
    """The file's value is not the loaded one with its arrays nested (a packed document, another value)."""


def _renest(raw: Any, value: Any) -> Any:
    """``value`` (as cwl-utils loaded it: Files with absolute locations, nested lists spliced) with its lists nested
    as ``raw`` (the file's value) has them."""
    if isinstance(value, dict):
        if value.get("class") in ("File", "Directory"):
            return value
        if not isinstance(raw, dict) or set(raw) != set(value):
            raise _ShapeMismatch
        return {k: _renest(raw[k], v) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    if not isinstance(raw, list):
        raise _ShapeMismatch
    items = iter(value)

    def build(node: list[Any]) -> list[Any]:
        out: list[Any] = []
        for x in node:
            if isinstance(x, list):
                out.append(build(x))
                continue
            item = next(items, _END)
            if item is _END:
                raise _ShapeMismatch
            out.append(_renest(x, item))
        return out

    nested = build(raw)
    if next(items, _END) is not _END:
        raise _ShapeMismatch
    return nested


_END = object()


def _unique_ids(items: Any, section: str, loc: Location) -> None:
    """Two inputs, outputs or steps with one id (written as a list, which YAML's duplicate-key check cannot see)."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = shortname(str(getattr(item, "id", "") or ""))
        if not name:
            continue
        first = seen.setdefault(name, index)
        if first != index:
            raise ValidationError(
                f"{section}: '{name}' is given twice (items {first + 1} and {index + 1}); each needs its own id",
                loc.child(section, index),
            )


def _secondary_files(value: Any) -> tuple[SecondaryFile, ...]:
    """``secondaryFiles`` of a parameter: strings (CWL v1.0) or SecondaryFileSchema objects (v1.1+)."""
    if value is None:
        return ()
    out = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, str):
            out.append(SecondaryFile(entry))
        elif isinstance(entry, dict):
            out.append(SecondaryFile(str(entry.get("pattern", "")), entry.get("required")))
        elif getattr(entry, "pattern", None) is not None:
            out.append(SecondaryFile(str(entry.pattern), getattr(entry, "required", None)))
    return tuple(out)


def _drop_blank_ids(value: Any) -> Any:
    """The document without the random blank-node names cwl-utils gives anonymous things (an inline ``run:``
    process, the schema of ``File[]``...): ``id: _:<uuid>`` would make the output differ from run to run."""
    if isinstance(value, dict):
        return {
            k: _drop_blank_ids(v)
            for k, v in value.items()
            if not (k in ("id", "name") and isinstance(v, str) and v.startswith("_:"))
        }
    if isinstance(value, list):
        return [_drop_blank_ids(v) for v in value]
    return value


class _LazyDocument(Mapping[str, Any]):
    """The process as a self-contained plain document, made on first use (``cwl-utils`` ``save``)."""

    def __init__(self, obj: Any, version: str, defaults: Mapping[str, Any] | None = None) -> None:
        self._obj = obj
        self._version = version
        self._defaults = dict(defaults or {})
        """Input defaults holding arrays, as the file has them (``save`` gives cwl-utils' flattened ones)."""
        self._data: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._data is None:
            self._data = _drop_blank_ids(self._obj.save(top=True, relative_uris=False))
            self._data.setdefault("cwlVersion", self._version)  # inline run: objects have none of their own
            inputs = self._data.get("inputs")
            for port in inputs if isinstance(inputs, list) else ():
                name = shortname(str(port.get("id", ""))) if isinstance(port, dict) else ""
                if name in self._defaults and "default" in port:
                    port["default"] = self._defaults[name]
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Any:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


# -- helpers -------------------------------------------------------------------------------------------------
def _process_path(key: str) -> tuple[str | int, ...]:
    frag = urldefrag(key)[1]
    if not frag:
        return ()
    return ("$graph", frag)  # locate.resolve drops this prefix in a document without $graph (``id: main``)


def _relative(uri: str, parent: str) -> str:
    if uri.startswith(parent + "/"):
        return uri[len(parent) + 1:]
    frag = fragment(uri)
    pfrag = fragment(parent) if "#" in parent else ""
    if pfrag and frag.startswith(pfrag + "/"):
        return frag[len(pfrag) + 1:]
    return frag


def _refs(source: Any, wf_id: str) -> tuple[PortRef, ...]:
    if source is None:
        return ()
    items = [source] if isinstance(source, str) else list(source)
    refs = []
    for item in items:
        rel = _relative(item, wf_id)
        if "/" in rel:
            step, port = rel.rsplit("/", 1)
            refs.append(PortRef(step, port))
        else:
            refs.append(PortRef(None, rel))
    return tuple(refs)


def _doc(doc: Any) -> str | None:
    if doc is None:
        return None
    return "\n".join(doc) if isinstance(doc, list) else str(doc)


def _plain(value: Any) -> Any:
    """cwl-utils values → plain JSON-able data."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    save = getattr(value, "save", None)
    if save is not None:
        return _plain(save(top=False, relative_uris=False))
    return str(value)


def _namespaces(obj: Any) -> Mapping[str, str]:
    """The ``$namespaces`` of the document ``obj`` was read from."""
    options = getattr(obj, "loadingOptions", None)
    return getattr(options, "namespaces", None) or {}


def _version_of(obj: Any) -> str:
    module = type(obj).__module__.rsplit(".", 1)[-1]
    return {"cwl_v1_0": "v1.0", "cwl_v1_1": "v1.1", "cwl_v1_2": "v1.2"}.get(module, "v1.2")


def _requirements(
    items: Any, loc: Location, namespaces: Mapping[str, str] | None = None, *, hints: bool = False
) -> list[Requirement]:
    """The requirements (or, with ``hints``, the hints) of a process or step as IR values. Hints are sorted by
    vocabulary (:mod:`cwl2dirac.loader.vocabularies`): cwl2dirac's are validated, dirac-cwl's mapped onto
    cwl2dirac's (the document's own cwl2dirac hint of the same class at this level wins, field by field),
    unknown ones dropped with a warning."""
    out: list[Requirement] = []
    translated: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items or ()):
        if isinstance(item, Mapping):
            fields = {str(k): _plain(v) for k, v in item.items() if k != "class"}
            cls = str(item.get("class", ""))
        else:
            fields = _plain(item.save(top=False, relative_uris=False))
            fields.pop("class", None)
            cls = str(getattr(item, "class_", type(item).__name__))
        written = cls
        short = dirac_hints.short_class(cls)
        if short is not None:
            cls = dirac_hints.PREFIX + short
        where = loc.child(cls) if cls else loc.child(index)
        if hints and isinstance(item, Mapping):
            mapped = vocabularies.translate(written, fields, namespaces or {}, where)
            if mapped is None:
                out.append(Requirement(cls, fields, where))
                continue
            for mcls, mfields in mapped:
                if (mcls, mfields) == (cls, fields):
                    out.append(Requirement(cls, fields, where))
                else:
                    translated.setdefault(mcls, {}).update(mfields)
                    out.append(Requirement(mcls, translated[mcls], where))
            continue
        if short is not None:
            dirac_hints.parse_hint(cls, fields, where)
        out.append(Requirement(cls, fields, where))
    if translated:
        out = _merge_translated(out, translated)
    return out


def _merge_translated(reqs: list[Requirement], translated: Mapping[str, Mapping[str, Any]]) -> list[Requirement]:
    """One requirement per class mapped from another vocabulary: the mapped fields, then the document's own hint
    of that class at the same level over them (where it is)."""
    merged: list[Requirement] = []
    seen: set[str] = set()
    for req in reqs:
        if req.cls not in translated:
            merged.append(req)
            continue
        if req.cls in seen:
            continue
        seen.add(req.cls)
        fields = dict(translated[req.cls])
        own = [r for r in reqs if r.cls == req.cls and r.fields is not translated[req.cls]]
        for r in own:
            fields.update(r.fields)
        where = own[0].location if own else req.location
        dirac_hints.parse_hint(req.cls, fields, where)
        merged.append(Requirement(req.cls, fields, where))
    return merged
def _named_types(obj: Any, enclosing: Mapping[str, CwlType], loc: Location) -> dict[str, CwlType]:
    """The types a process may name: its enclosing processes', its SchemaDefRequirement's and the named records
    and enums written inline in its parameters (each known by name before any is converted, so that order does
    not matter)."""
    named: dict[str, CwlType] = dict(enclosing)
    schema_defs = [
        t
        for req in getattr(obj, "requirements", None) or ()
        if getattr(req, "class_", None) == "SchemaDefRequirement"
        for t in req.types or ()
    ]
    for t in schema_defs:
        _declare_names(t, named)
    for p in (*(getattr(obj, "inputs", None) or ()), *(getattr(obj, "outputs", None) or ())):
        _declare_names(getattr(p, "type_", None), named)
    for t in schema_defs:
        name = getattr(t, "name", None)
        if name:
            named[name] = convert_type(t, named, loc.child("requirements"))
    return named


def _declare_names(t: Any, named: dict[str, CwlType]) -> None:
    """Put a placeholder for every named record or enum inside ``t``."""
    if isinstance(t, list | tuple):
        for member in t:
            _declare_names(member, named)
        return
    kind = getattr(t, "type_", None)
    if kind is None or isinstance(t, str):
        return
    name = getattr(t, "name", None)
    if name and not str(name).startswith("_:"):
        named.setdefault(name, CwlType("Any", name=fragment(name)))
    if kind == "array":
        _declare_names(t.items, named)
    elif kind == "record":
        for f in t.fields or ():
            _declare_names(f.type_, named)


def convert_type(t: Any, named: dict[str, CwlType], location: Location | None = None) -> CwlType:
    """A cwl-utils type (string, list or schema object) as a :class:`CwlType`; a type name that is neither CWL's
    nor one the process defines is a :class:`ValidationError` at ``location``."""
    if t is None:
        return ANY
    if isinstance(t, str):
        base = t
        for prefix in (_SALAD, _CWL):
            if base.startswith(prefix):
                base = base[len(prefix):]
        if base in ("stdout", "stderr", "stdin"):
            return CwlType("File")
        if base in _PRIMITIVES:
            return CwlType(base)  # type: ignore[arg-type]
        if base.endswith("?"):
            return CwlType("union", members=(CwlType("null"), convert_type(base[:-1], named, location)))
        if base.endswith("[]"):
            return CwlType("array", items=convert_type(base[:-2], named, location))
        if t in named:
            return named[t]
        raise _unknown_type(t, named, location)
    if isinstance(t, list | tuple):
        members = tuple(convert_type(m, named, location) for m in t)
        return members[0] if len(members) == 1 else CwlType("union", members=members)
    kind = getattr(t, "type_", None)
    name = getattr(t, "name", None)
    if kind == "array":
        return CwlType("array", items=convert_type(t.items, named, location))
    if kind == "enum":
        return CwlType("enum", name=fragment(name) if name else None, symbols=tuple(
            shortname(s) for s in t.symbols or ()
        ))
    if kind == "record":
        fields = tuple((shortname(f.name), convert_type(f.type_, named, location)) for f in t.fields or ())
        patterns = tuple(
            (shortname(f.name), sf)
            for f in t.fields or ()
            if (sf := _secondary_files(getattr(f, "secondaryFiles", None)))
        )
        return CwlType("record", name=fragment(name) if name else None, fields=fields, field_secondary_files=patterns)
    return ANY


def _unknown_type(t: str, named: Mapping[str, CwlType], location: Location | None) -> ValidationError:
    shown = fragment(t) if t.startswith(("file:", "http:", "https:")) else t
    if shown in _PRIMITIVES and shown != t:
        # 'File?[]': schema-salad reads the items 'File?' as a reference into the document, without its '?'
        return ValidationError(
            f"type '{shown}' is not read as CWL's {shown} here: an array of optional items ('{shown}?[]') is written "
            f"{{type: array, items: ['null', {shown}]}}", location,
        )
    choices = sorted(_PRIMITIVES - {"Any"}) + sorted({fragment(n) for n in named})
    hint = dirac_hints.suggest(shown.rstrip("[]?"), choices) or (
        " (CWL's types: null, boolean, int, long, float, double, string, File, Directory, Any, with [] and ?, or a "
        "type the document defines)"
    )
    return ValidationError(f"unknown type '{shown}'{hint}", location)
