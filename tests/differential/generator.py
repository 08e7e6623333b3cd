"""A generator of small random CWL v1.2 workflows (hypothesis strategies), for differential testing against cwltool.

:func:`cases` draws a :class:`Case`: a workflow of 1-4 steps (generic tiny shell tools, ExpressionTools, inline
sub-workflows), its input files and its job order (given in full, as ``{}``, or not at all). Every tool writes
deterministic content that depends on everything it received (a canonical JSON of its inputs: basenames, contents
of loaded files, values, record fields, nulls; then the bytes of every input file and the listing and bytes of
every input directory), so two engines that gave a tool different inputs give different outputs.

Covered: scatter over Files, values, records and arrays (dotproduct, flat_crossproduct, nested_crossproduct, one or
several inputs, beside non-scattered Files and values), ExpressionTools before and after a scatter, defaults at
workflow, step and tool level (with a full job order, an empty one, none), ``valueFrom``, ``when`` (with and
without scatter) and ``pickValue`` (single and two-branch sources), inline sub-workflows (scattered too), records,
arrays of arrays, optional and null inputs, ``secondaryFiles``, ``Directory``, ``loadContents`` (tool and step
input), outputs of type File, File with secondary files, File[], Directory, string, string[], int, record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

# A type: a base name ("File", "FileS" (a File with a ".idx" secondary file), "Directory", "string", "int",
# "boolean") or a tuple ("array", T), ("opt", T), ("record", ((name, T), ...)).
Type = Any

JS_LIB = r"""function canon(x) {
  if (x === null || x === undefined) return null;
  if (Array.isArray(x)) return x.map(canon);
  if (typeof x === 'object') {
    if (x['class'] === 'File') {
      var r = {'class': 'File', 'basename': x.basename};
      if (x.contents !== undefined && x.contents !== null) r.contents = x.contents;
      if (x.secondaryFiles) r.secondaryFiles = x.secondaryFiles.map(canon);
      return r;
    }
    if (x['class'] === 'Directory') return {'class': 'Directory', 'basename': x.basename};
    var keys = Object.keys(x).sort(); var o = {};
    for (var i = 0; i < keys.length; i++) o[keys[i]] = canon(x[keys[i]]);
    return o;
  }
  return x;
}
function paths(x, acc) {
  if (x === null || x === undefined) return acc;
  if (Array.isArray(x)) { for (var i = 0; i < x.length; i++) paths(x[i], acc); return acc; }
  if (typeof x === 'object') {
    if (x['class'] === 'File') {
      acc.push(['f', x.path]);
      if (x.secondaryFiles) paths(x.secondaryFiles, acc);
      return acc;
    }
    if (x['class'] === 'Directory') { acc.push(['d', x.path]); return acc; }
    var keys = Object.keys(x).sort();
    for (var j = 0; j < keys.length; j++) paths(x[keys[j]], acc);
  }
  return acc;
}
function q(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
function script(inputs, names, tag, extra) {
  var lines = ["printf '%s\\n' " + q(tag) + " > out.txt"];
  var ps = [];
  for (var i = 0; i < names.length; i++) {
    lines.push("printf '%s\\n' " + q(names[i] + "=" + JSON.stringify(canon(inputs[names[i]]))) + " >> out.txt");
    paths(inputs[names[i]], ps);
  }
  for (var k = 0; k < ps.length; k++) {
    if (ps[k][0] === 'f') lines.push("cat " + q(ps[k][1]) + " >> out.txt");
    else lines.push("(cd " + q(ps[k][1]) + " && find . | LC_ALL=C sort && find . -type f | LC_ALL=C sort | xargs cat)"
                     + " >> out.txt");
  }
  return lines.join("\n") + "\n" + extra;
}
"""

JS_REQ = {"class": "InlineJavascriptRequirement", "expressionLib": [JS_LIB]}

# ---------------------------------------------------------------------------------------------------- types


def cwl_type(t: Type) -> Any:
    if t == "FileS":
        return "File"
    if isinstance(t, str):
        return t
    if t[0] == "array":
        return {"type": "array", "items": cwl_type(t[1])}
    if t[0] == "opt":
        return ["null", cwl_type(t[1])]
    return {"type": "record", "fields": [{"name": n, "type": cwl_type(ft)} for n, ft in t[1]]}


def strip_opt(t: Type) -> Type:
    return t[1] if isinstance(t, tuple) and t[0] == "opt" else t


def is_array(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "array"


def has_secondary(t: Type) -> bool:
    t = strip_opt(t)
    return t == "FileS" or (is_array(t) and strip_opt(t[1]) == "FileS")


def contains(t: Type, base: str) -> bool:
    if isinstance(t, str):
        return t == base
    if t[0] in ("array", "opt"):
        return contains(t[1], base)
    return any(contains(ft, base) for _, ft in t[1])


def has_record(t: Type) -> bool:
    if isinstance(t, str):
        return False
    return t[0] == "record" or has_record(t[1])


def param_decl(t: Type, **extra: Any) -> dict[str, Any]:
    decl: dict[str, Any] = {"type": cwl_type(t)}
    if has_secondary(t):
        decl["secondaryFiles"] = [{"pattern": ".idx", "required": True}]
    decl.update(extra)
    return decl


REC_FS = ("record", (("name", "string"), ("f", "File")))
REC_SN = ("record", (("name", "string"), ("n", "int")))

INPUT_TYPES: list[Type] = [
    "File", "FileS", "string", "int", "Directory", ("array", "string"), ("array", "File"), ("array", "int"),
    ("array", "File"), ("array", "FileS"), ("array", "string"), ("array", "int"),
    ("array", ("array", "string")), ("array", ("array", "File")),
    REC_FS, ("array", REC_FS), ("array", REC_SN),
    ("opt", "string"), ("opt", "File"), ("opt", "int"), ("opt", ("array", "string")),
]

# ---------------------------------------------------------------------------------------------------- values


@dataclass
class Files:
    """The input files and directories of a case: relative path -> content."""

    files: dict[str, str] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    n: int = 0

    def new_file(self, draw: Any, secondary: bool = False) -> dict[str, Any]:
        self.n += 1
        name = f"in{self.n}.{draw(st.sampled_from(['txt', 'dat']))}"
        lines = draw(st.integers(0, 3))
        self.files[name] = "".join(f"file {self.n} line {i}\n" for i in range(lines))
        obj: dict[str, Any] = {"class": "File", "location": name}
        if secondary:
            self.files[name + ".idx"] = f"index of {name}\n"
        return obj

    def new_dir(self, draw: Any) -> dict[str, Any]:
        self.n += 1
        name = f"dir{self.n}"
        self.dirs.append(name)
        for i in range(draw(st.integers(0, 2))):
            self.files[f"{name}/f{i}.txt"] = f"dir {self.n} file {i}\n"
        if draw(st.booleans()):
            self.dirs.append(f"{name}/sub")
            self.files[f"{name}/sub/deep.txt"] = f"deep in {self.n}\n"
        return {"class": "Directory", "location": name}


def value_for(draw: Any, t: Type, files: Files, length: int | None = None) -> Any:
    if t == "File":
        return files.new_file(draw)
    if t == "FileS":
        return files.new_file(draw, secondary=True)
    if t == "Directory":
        return files.new_dir(draw)
    if t == "string":
        return draw(st.sampled_from(["a", "bb", "ccc", "x y", "v1", "run42", "Z"]))
    if t == "int":
        return draw(st.integers(0, 99))
    if t == "boolean":
        return draw(st.booleans())
    if t[0] == "opt":
        return None if draw(st.integers(0, 3)) == 0 else value_for(draw, t[1], files)
    if t[0] == "array":
        n = length if length is not None else draw(st.integers(0, 3))
        return [value_for(draw, t[1], files) for _ in range(n)]
    return {name: value_for(draw, ft, files) for name, ft in t[1]}


# ---------------------------------------------------------------------------------------------------- tools

OUTPUT_KINDS: dict[str, tuple[Type, str]] = {
    # kind: (type, shell run after out.txt is written)
    "file": ("File", ""),
    "filesec": ("FileS", "wc -l < out.txt | tr -d ' ' > out.txt.idx\n"),
    "files": (("array", "File"), "mkdir parts && split -l 2 out.txt parts/p_\n"),
    "dir": ("Directory", "mkdir -p outdir/in && cp out.txt outdir/copy.txt && echo here > outdir/in/x.txt\n"),
    "string": ("string", ""),
    "strings": (("array", "string"), ""),
    "int": ("int", ""),
    "record": (("record", (("n", "int"), ("f", "File"))), ""),
}


def output_decl(kind: str) -> dict[str, Any]:
    t = OUTPUT_KINDS[kind][0]
    if kind in ("file", "filesec"):
        return param_decl(t, outputBinding={"glob": "out.txt"})
    if kind == "files":
        return param_decl(t, outputBinding={"glob": "parts/p_*"})
    if kind == "dir":
        return param_decl(t, outputBinding={"glob": "outdir"})
    if kind == "string":
        return param_decl(t, outputBinding={"glob": "out.txt", "loadContents": True,
                                            "outputEval": "$(self[0].contents.split('\\n')[1])"})
    if kind == "strings":
        return param_decl(t, outputBinding={
            "glob": "out.txt", "loadContents": True,
            "outputEval": "$(self[0].contents.split('\\n').slice(0, 3).map(function (l) { return l.slice(0, 12); }))"})
    if kind == "int":
        return param_decl(t, outputBinding={"glob": "out.txt", "outputEval": "$(self[0].size)"})
    return {"type": {"type": "record", "fields": [
        {"name": "n", "type": "int", "outputBinding": {"glob": "out.txt", "outputEval": "$(self[0].size % 7)"}},
        {"name": "f", "type": "File", "outputBinding": {"glob": "out.txt"}},
    ]}}


@dataclass
class Param:
    name: str
    type: Type
    load_contents: bool = False
    default: Any = None


def command_tool(tag: str, params: list[Param], outputs: dict[str, str]) -> dict[str, Any]:
    """A tiny ``sh -c`` tool writing out.txt from everything it received, then shaping its outputs."""
    extra = "".join(OUTPUT_KINDS[k][1] for k in sorted(set(outputs.values())))
    names = json.dumps([p.name for p in params])
    inputs: dict[str, Any] = {}
    for p in params:
        decl = param_decl(p.type)
        if p.load_contents:
            decl["loadContents"] = True
        if p.default is not None:
            decl["default"] = p.default
        inputs[p.name] = decl
    return {
        "class": "CommandLineTool",
        "requirements": [JS_REQ],
        "baseCommand": ["sh", "-c"],
        "arguments": [{"valueFrom": f"$(script(inputs, {names}, {json.dumps(tag)}, {json.dumps(extra)}))"}],
        "inputs": inputs,
        "outputs": {name: output_decl(kind) for name, kind in outputs.items()},
    }


# ExpressionTools: name -> (output type given the input type (None: not applicable), JS body of the output)
def expr_output(kind: str, in_type: Type, k: int) -> Type | None:
    if kind == "values":
        return ("array", "string")
    if kind == "ints":
        return ("array", "int")
    if kind == "records":
        return ("array", REC_SN)
    if kind == "nested":
        return ("array", ("array", "string"))
    if kind == "count":
        return "int"
    if kind == "identity":
        return in_type
    if kind == "flatten":
        t = strip_opt(in_type)
        if is_array(t) and is_array(strip_opt(t[1])):
            return ("array", strip_opt(t[1])[1])
        return None
    raise AssertionError(kind)


def expr_body(kind: str, k: int) -> str:
    seed = "JSON.stringify(canon(inputs.x)).length"
    if kind == "values":
        return f"var n = {seed}; var o = []; for (var i = 0; i < {k}; i++) o.push('v' + n + '_' + i); return o;"
    if kind == "ints":
        return f"var n = {seed}; var o = []; for (var i = 0; i < {k}; i++) o.push(n * 10 + i); return o;"
    if kind == "records":
        return (f"var n = {seed}; var o = []; for (var i = 0; i < {k}; i++) o.push({{name: 'r' + i, n: n + i}});"
                " return o;")
    if kind == "nested":
        return (f"var n = {seed}; var o = []; for (var i = 0; i < {k}; i++) {{ var a = [];"
                " for (var j = 0; j <= i; j++) a.push('n' + n + '_' + i + '_' + j); o.push(a); } return o;")
    if kind == "count":
        return f"return {seed};"
    if kind == "identity":
        return "return inputs.x;"
    if kind == "flatten":
        return "return [].concat.apply([], inputs.x);"
    raise AssertionError(kind)


EXPR_KINDS = ["values", "ints", "records", "nested", "count", "identity", "flatten"]


def expression_tool(kind: str, in_type: Type, out_type: Type, k: int) -> dict[str, Any]:
    return {
        "class": "ExpressionTool",
        "requirements": [JS_REQ],
        "inputs": {"x": param_decl(in_type)},
        "outputs": {"out": param_decl(out_type)},
        "expression": "${ var out = (function () { " + expr_body(kind, k) + " })(); return {out: out}; }",
    }


# ---------------------------------------------------------------------------------------------------- workflows


@dataclass
class Source:
    ref: str
    type: Type
    length: int | None = None  # the array's length when known at generation time


@dataclass
class Case:
    """A generated workflow with its inputs."""

    workflow: dict[str, Any]
    job: dict[str, Any] | None  # None: run without a job order
    files: dict[str, str]
    dirs: list[str]
    features: list[str]

    def write(self, folder: Path) -> tuple[Path, Path | None]:
        """Write ``wf.cwl``, ``job.yml`` (unless None) and the input files into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        for d in self.dirs:
            (folder / d).mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(content)
        wf = folder / "wf.cwl"
        wf.write_text("#!/usr/bin/env cwl-runner\n" + dump(self.workflow))
        job = None
        if self.job is not None:
            job = folder / "job.yml"
            job.write_text(dump(self.job) if self.job else "{}\n")
        (folder / "features.txt").write_text("\n".join(sorted(set(self.features))) + "\n")
        return wf, job


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> Any:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=1000)


class _Builder:
    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.files = Files()
        self.features: list[str] = []
        self.reqs: set[str] = {"ScatterFeatureRequirement", "StepInputExpressionRequirement"}
        self.wf_inputs: dict[str, Any] = {}
        self.job: dict[str, Any] = {}
        self.pool: list[Source] = []
        self.steps: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}
        self.mode = draw(st.sampled_from(["full"] * 6 + ["empty"] * 2 + ["none"]))
        self.features.append(f"job:{self.mode}")
        self.flag: str | None = None

    def d(self, strategy: Any) -> Any:
        return self.draw(strategy)

    # ------------------------------------------------------------ workflow inputs
    def add_input(self, t: Type) -> Source:
        name = f"i{len(self.wf_inputs) + 1}"
        decl = param_decl(t)
        length = None
        optional = isinstance(t, tuple) and t[0] == "opt"
        with_default = self.mode != "full" or self.d(st.integers(0, 3)) == 0
        if has_record(t):
            # cwltool 3.3 fails on a record type's default ("The name '…' is already in use": its avro names
            # are made twice), a bug of the reference, not of cwl2dirac: records are always given in the job order
            with_default = False
        if with_default and not (optional and self.mode != "full" and self.d(st.booleans())):
            value = value_for(self.draw, t, self.files)
            decl["default"] = value
            self.features.append("default:workflow")
            if is_array(t):
                length = len(value)
        if self.mode == "full" and ("default" not in decl or self.d(st.booleans())):
            value = value_for(self.draw, t, self.files)
            if optional and value is None and self.d(st.booleans()):
                self.features.append("input:absent-optional")
            else:
                self.job[name] = value
            if is_array(t):
                length = len(value)
            elif "default" in decl:
                length = None
        if "default" in decl and name in self.job:
            length = len(self.job[name]) if is_array(t) and self.job[name] is not None else None
        if optional:
            self.features.append("input:optional")
            length = None
        if contains(t, "FileS"):
            self.features.append("secondaryFiles")
        if contains(t, "Directory"):
            self.features.append("Directory")
        if (isinstance(strip_opt(t), tuple) and strip_opt(t)[0] == "record") or (
                is_array(t) and isinstance(t[1], tuple) and t[1][0] == "record"):
            self.features.append("record")
        self.wf_inputs[name] = decl
        src = Source(name, t, length)
        self.pool.append(src)
        return src

    def flag_input(self) -> str:
        if self.flag is None:
            self.flag = f"i{len(self.wf_inputs) + 1}"
            decl: dict[str, Any] = {"type": "boolean"}
            value = self.d(st.booleans())
            if self.mode != "full":
                decl["default"] = value
            else:
                self.job[self.flag] = value
            self.wf_inputs[self.flag] = decl
        return self.flag

    # ------------------------------------------------------------ step inputs
    def bind(self, pname: str, allow_scatter: bool) -> tuple[Any, Param, bool, Source | None]:
        """One step input: (the step's ``in`` entry, the tool's parameter, scattered?, the source)."""
        arrays = [s for s in self.pool if is_array(s.type)]
        kinds = ["direct", "direct", "scatter", "scatter", "default", "valueFrom"]
        if arrays and allow_scatter:
            kinds += ["scatter"] * 3
        kinds.append("merge")
        kind = self.d(st.sampled_from(kinds))
        if kind == "merge" and self.pool:
            first = self.d(st.sampled_from(self.pool))
            same = [s for s in self.pool if s.type == first.type]
            srcs = [first] + ([self.d(st.sampled_from(same))] if self.d(st.booleans()) else [])
            method = self.d(st.sampled_from(["merge_nested", "merge_flattened"]))
            self.reqs.add("MultipleInputFeatureRequirement")
            self.features.append(f"linkMerge:{method}")
            t = first.type if method == "merge_flattened" and is_array(first.type) else ("array", first.type)
            merged = {"source": [s.ref for s in srcs], "linkMerge": method}
            return merged, Param(pname, t), False, None
        if kind == "scatter" and allow_scatter and arrays:
            src = self.d(st.sampled_from(arrays))
            item = src.type[1]
            self.features.append(f"scatter:{kind_of(item)}")
            entry: Any = src.ref
            load = item == "File" and self.d(st.integers(0, 4)) == 0
            if load:
                self.features.append("loadContents")
            return entry, Param(pname, item, load_contents=load), True, src
        if kind == "default":
            t = self.d(st.sampled_from(["string", "int", "File", ("array", "string")]))
            value = value_for(self.draw, t, self.files)
            self.features.append("default:step")
            if self.pool and self.d(st.booleans()):
                opts = [s for s in self.pool if strip_opt(s.type) == t and s.type != t]
                if opts:  # an optional source, the step default when it is null
                    src = self.d(st.sampled_from(opts))
                    return {"source": src.ref, "default": value}, Param(pname, ("opt", t)), False, src
            return {"default": value}, Param(pname, t), False, None
        if kind == "valueFrom" and self.pool:
            src = self.d(st.sampled_from(self.pool))
            base = strip_opt(src.type)
            self.features.append("valueFrom")
            if base == "string" and src.type == base:
                return {"source": src.ref, "valueFrom": "$(self + '_v')"}, Param(pname, "string"), False, src
            if base == "int" and src.type == base:
                return {"source": src.ref, "valueFrom": "$(self * 2 + 1)"}, Param(pname, "int"), False, src
            if base in ("File", "FileS") and src.type == base:
                return {"source": src.ref, "valueFrom": "$(self.basename)"}, Param(pname, "string"), False, src
            return ({"source": src.ref, "valueFrom": "$(JSON.stringify(canon(self)).length)"}, Param(pname, "int"),
                    False, src)
        if not self.pool:
            t = self.d(st.sampled_from(["string", "File"]))
            return {"default": value_for(self.draw, t, self.files)}, Param(pname, t), False, None
        src = self.d(st.sampled_from(self.pool))
        t = src.type
        load = strip_opt(t) == "File" and self.d(st.integers(0, 4)) == 0
        default = None
        if t in ("string", "int", ("opt", "string"), ("opt", "int")) and self.d(st.integers(0, 2)) == 0:
            default = value_for(self.draw, strip_opt(t), self.files)
            self.features.append("default:tool")
        if load:
            self.features.append("loadContents")
            if self.d(st.booleans()):
                self.features.append("loadContents:step")
                return {"source": src.ref, "loadContents": True}, Param(pname, t), False, src
        return src.ref, Param(pname, t, load_contents=load, default=default), False, src

    # ------------------------------------------------------------ steps
    def step(self, index: int) -> None:
        kind = self.d(st.sampled_from(["tool", "tool", "tool", "expr", "expr", "sub", "branch"]))
        name = f"s{index}"
        if kind == "expr" and self.pool:
            self.expr_step(name)
        elif kind == "branch" and self.pool:
            self.branch_steps(name)
        else:
            self.tool_step(name, sub=kind == "sub")

    def expr_step(self, name: str) -> None:
        ekind = self.d(st.sampled_from(EXPR_KINDS))
        scatter = self.d(st.integers(0, 2)) == 0
        arrays = [s for s in self.pool if is_array(s.type)]
        if scatter and arrays:
            src = self.d(st.sampled_from(arrays))
            in_type = src.type[1]
        else:
            scatter = False
            src = self.d(st.sampled_from(self.pool))
            in_type = src.type
        out_type = expr_output(ekind, in_type, 0)
        if out_type is None:
            ekind, out_type = "count", "int"
        k = self.d(st.integers(0, 3))
        self.features.append(f"expr:{ekind}" + (":scattered" if scatter else ""))
        step: dict[str, Any] = {"run": expression_tool(ekind, in_type, out_type, k), "in": {"x": src.ref},
                                "out": ["out"]}
        length: int | None = k if ekind in ("values", "ints", "records", "nested") else None
        if ekind == "identity":
            length = src.length
        if scatter:
            step["scatter"] = "x"
            out_type = ("array", out_type)
            length = src.length
        self.steps[name] = step
        self.add_outputs(name, {"out": out_type}, {"out": length})

    def tool_step(self, name: str, sub: bool) -> None:
        n_in = self.d(st.integers(1, 3))
        entries: dict[str, Any] = {}
        params: list[Param] = []
        scattered: list[tuple[str, Source]] = []
        plain: list[str] = []
        file_beside = False
        for i in range(n_in):
            entry, param, is_scat, src = self.bind(f"p{i + 1}", allow_scatter=True)
            entries[param.name] = entry
            params.append(param)
            if is_scat and src is not None:
                scattered.append((param.name, src))
            elif src is not None:
                plain.append(src.ref)
                file_beside = file_beside or scattered_later_beside_file(src.type)
        if any(s.ref in plain for _, s in scattered):
            self.features.append("scatter:same-source-unscattered")
        kinds = self.d(st.lists(st.sampled_from(sorted(OUTPUT_KINDS)), min_size=1, max_size=2, unique=True))
        outs = {f"o_{k}": k for k in kinds}
        for k in kinds:
            self.features.append(f"output:{k}")
        tool = command_tool(name, params, outs)
        run: dict[str, Any] = tool
        if sub:
            run = self.subworkflow(name, params, outs, tool)
        step: dict[str, Any] = {"run": run, "in": entries, "out": sorted(outs)}
        out_types = {o: OUTPUT_KINDS[k][0] for o, k in outs.items()}
        lengths: dict[str, int | None] = {o: None for o in outs}
        # scatter
        nested = 1
        if scattered:
            names = [p for p, _ in scattered]
            step["scatter"] = names if len(names) > 1 or self.d(st.booleans()) else names[0]
            method = None
            if len(names) > 1 or self.d(st.integers(0, 3)) == 0:
                method = self.d(st.sampled_from(["dotproduct", "flat_crossproduct", "nested_crossproduct"]))
            if method:
                step["scatterMethod"] = method
                self.features.append(f"scatterMethod:{method}" + (":multi" if len(names) > 1 else ""))
            if file_beside or any(
                    strip_opt(p.type) in ("File", "FileS") for p in params if p.name not in names) or any(
                    isinstance(entries[p.name], dict) and "default" in entries[p.name] and
                    p.type == "File" for p in params if p.name not in names):
                self.features.append("scatter:beside-file")
            if any(strip_opt(p.type) in ("string", "int") for p in params if p.name not in names):
                self.features.append("scatter:beside-value")
            if method == "nested_crossproduct":
                nested = len(names)
            lens = [s.length for _, s in scattered]
            known = all(x is not None for x in lens)
            total: int | None = None
            if method == "nested_crossproduct":
                total = lens[0] if nested == 1 else None
            elif method == "flat_crossproduct":
                total = None
                if known:
                    total = 1
                    for x in lens:
                        total *= x  # type: ignore[operator]
            else:
                total = lens[0] if known and len(set(lens)) == 1 else None
            lengths = {o: total for o in outs}
        # when
        if self.d(st.integers(0, 4)) == 0:
            step["when"] = self.condition(step, entries, scattered)
            out_types = {o: ("opt", t) for o, t in out_types.items()}
        for _ in range(nested if scattered else 0):
            out_types = {o: ("array", t) for o, t in out_types.items()}
        self.steps[name] = step
        self.add_outputs(name, out_types, lengths, conditional="when" in step)

    def condition(self, step: dict[str, Any], entries: dict[str, Any], scattered: list[tuple[str, Source]]) -> str:
        for pname, src in scattered:
            if strip_opt(src.type[1]) in ("string", "int"):
                self.features.append("when:scattered")
                return f"$(String(inputs.{pname}).length % 2 == 1)"
        flag = self.flag_input()
        entries["cond"] = flag
        self.features.append("when")
        return "$(inputs.cond)" if self.d(st.booleans()) else "$(!inputs.cond)"

    def subworkflow(self, name: str, params: list[Param], outs: dict[str, str], tool: dict[str, Any]) -> Any:
        """An inline sub-workflow running ``tool``, sometimes followed by a count ExpressionTool."""
        self.reqs.add("SubworkflowFeatureRequirement")
        self.features.append("subworkflow")
        inner_in = {p.name: param_decl(p.type) for p in params}
        steps: dict[str, Any] = {"inner": {"run": tool, "in": {p.name: p.name for p in params}, "out": sorted(outs)}}
        wf_out = {o: param_decl(OUTPUT_KINDS[k][0], outputSource=f"inner/{o}") for o, k in outs.items()}
        return {"class": "Workflow", "requirements": [JS_REQ], "inputs": inner_in, "outputs": wf_out, "steps": steps}

    def branch_steps(self, name: str) -> None:
        """Two conditional steps, on a flag and its negation, and one workflow output picking their value."""
        self.reqs.add("MultipleInputFeatureRequirement")
        flag = self.flag_input()
        src = self.d(st.sampled_from(self.pool))
        kind = self.d(st.sampled_from(["file", "string", "int", "files"]))
        pick = self.d(st.sampled_from(["first_non_null", "the_only_non_null"]))
        self.features.append(f"pickValue:{pick}")
        for side, cond in (("a", "$(inputs.cond)"), ("b", "$(!inputs.cond)")):
            tool = command_tool(f"{name}{side}", [Param("p1", src.type)], {"o": kind})
            self.steps[f"{name}{side}"] = {"run": tool, "in": {"p1": src.ref, "cond": flag}, "out": ["o"],
                                          "when": cond}
        t = OUTPUT_KINDS[kind][0]
        self.outputs[f"{name}_o"] = param_decl(t, outputSource=[f"{name}a/o", f"{name}b/o"], pickValue=pick)
        self.pool.append(Source(f"{name}_o", t))  # not a valid source inside: only a workflow output
        self.pool.pop()

    def add_outputs(self, step: str, types: dict[str, Type], lengths: dict[str, int | None],
                    conditional: bool = False) -> None:
        for o, t in types.items():
            decl = param_decl(t, outputSource=f"{step}/{o}")
            if conditional and is_array(t) and isinstance(t[1], tuple) and t[1][0] == "opt" and self.d(st.booleans()):
                decl = param_decl(("array", t[1][1]), outputSource=f"{step}/{o}", pickValue="all_non_null")
                self.features.append("pickValue:all_non_null")
            self.outputs[f"{step}_{o}"] = decl
            self.pool.append(Source(f"{step}/{o}", t, lengths.get(o)))

    def build(self) -> Case:
        for _ in range(self.d(st.integers(1, 3))):
            types = INPUT_TYPES if self.mode == "full" else [t for t in INPUT_TYPES if not has_record(t)]
            self.add_input(self.d(st.sampled_from(types)))
        for i in range(self.d(st.integers(1, 4))):
            self.step(i + 1)
        if self.d(st.integers(0, 3)) == 0:
            src = self.d(st.sampled_from([s for s in self.pool if "/" not in s.ref]))
            self.outputs[f"{src.ref}_out"] = param_decl(src.type, outputSource=src.ref)
            self.features.append("output:workflow-input")
        reqs: list[dict[str, Any]] = [{"class": r} for r in sorted(self.reqs)]
        reqs.append(JS_REQ)
        wf = {"cwlVersion": "v1.2", "class": "Workflow", "requirements": reqs, "inputs": self.wf_inputs,
              "outputs": self.outputs, "steps": self.steps}
        job = None if self.mode == "none" else ({} if self.mode == "empty" else self.job)
        return Case(wf, job, self.files.files, self.files.dirs, self.features)


def scattered_later_beside_file(t: Type) -> bool:
    """A non-scattered step input from a File source (even through a valueFrom giving a string)."""
    return strip_opt(t) in ("File", "FileS")


def kind_of(t: Type) -> str:
    t = strip_opt(t)
    if t in ("File", "FileS"):
        return "files"
    if isinstance(t, str):
        return "values"
    if t[0] == "record":
        return "records"
    return "arrays"


@st.composite
def cases(draw: Any) -> Case:
    """A random small workflow with its inputs."""
    return _Builder(draw).build()
