"""``cwl2dirac run`` and ``cwl2dirac catalog``: run a workflow locally, look into a run's catalog.

``run`` compiles the workflow (or reads an already compiled production request) and runs it with the local
backend; its command line is cwltool's (``cwl2dirac run --outdir DIR --quiet tool.cwl job.yml``): the output
object is the only thing on stdout, progress and the summary go to stderr; exit code 0 success, 1 failure, 33
unsupported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from cwl2dirac.errors import Cwl2DiracError

_REQUEST_MARK = "cwl2dirac.dev/production-request/"


def default_workdir(request_json: str, name: str) -> Path:
    """``$CWL2DIRAC_WORKDIR_BASE`` (default ``~/.cache/cwl2dirac/runs``) ``/<name>-<hash of the request>``:
    the same command on the same files resumes; a changed workflow or input gets a fresh directory."""
    base = os.environ.get("CWL2DIRAC_WORKDIR_BASE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cwl2dirac", "runs"
    )
    digest = hashlib.sha1(request_json.encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "run"
    return Path(base) / f"{safe}-{digest}"


def _is_request_file(path: Path) -> bool:
    if path.suffix not in (".json", ".yaml", ".yml"):
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return _REQUEST_MARK in head


def load_request(pipeline: Path, inputs: Path | None) -> Any:
    """The ProductionRequest of ``pipeline`` (a CWL document, compiled with ``inputs``; or a request file)."""
    from cwl2dirac.request import ProductionRequest

    if _is_request_file(pipeline):
        return ProductionRequest.read(pipeline)
    from cwl2dirac.compiler import compile_workflow  # type: ignore[import-not-found,unused-ignore]

    try:  # the local backend runs the step configs, not the DIRAC job templates: skip building those
        return compile_workflow(pipeline, inputs, bodies=False)
    except TypeError:
        return compile_workflow(pipeline, inputs)


def _run_cwltool(pipeline: Path, inputs: Path | None, outdir: Path | None, quiet: bool, debug: bool) -> int:
    import cwltool.main

    argv = ["--outdir", str(outdir or Path.cwd())]
    if quiet:
        argv.append("--quiet")
    if debug:
        argv.append("--debug")
    argv.append(str(pipeline))
    if inputs is not None:
        argv.append(str(inputs))
    return int(cwltool.main.main(argv))


class _Document(click.ParamType):
    """A CWL document path, optionally with a process id (``packed.cwl#main``, as cwltool takes): the file part
    must exist."""

    name = "document"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        file_part = str(value).split("#", 1)[0]
        if not os.path.exists(file_part):
            self.fail(f"{file_part!r} does not exist", param, ctx)
        if os.path.isdir(file_part):
            self.fail(f"{file_part!r} is a directory", param, ctx)
        return Path(value)


@click.command("run")
@click.argument("pipeline", type=_Document())
@click.argument("inputs", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the output files go (default: the current directory).",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run state (catalog, storage, tasks, logs); default derived from the request, so that the "
    "same command resumes.",
)
@click.option("-j", "--jobs", type=int, default=None, help="Parallel tasks (default: number of cores).")
@click.option("--retries", type=int, default=None, help="Retries of a failed task (default: the step's).")
@click.option("--quiet", is_flag=True, help="No progress, no summary.")
@click.option(
    "--engine",
    type=click.Choice(["local", "cwltool"]),
    default="local",
    help="local: Transformation System semantics; cwltool: run the workflow with cwltool (reference).",
)
@click.option("--debug", is_flag=True, help="Tracebacks on errors.")
def run_command(
    pipeline: Path,
    inputs: Path | None,
    outdir: Path | None,
    workdir: Path | None,
    jobs: int | None,
    retries: int | None,
    quiet: bool,
    engine: str,
    debug: bool,
) -> None:
    """Run PIPELINE (a CWL workflow or tool, or a compiled production request) locally with INPUTS."""
    _software_beside_us_on_path()
    if engine == "cwltool":
        sys.exit(_run_cwltool(pipeline, inputs, outdir, quiet, debug))
    t0 = time.monotonic()
    try:
        code = _run_local(pipeline, inputs, outdir, workdir, jobs, retries, quiet)
    except Cwl2DiracError as exc:
        if debug:
            raise
        click.echo(f"cwl2dirac: {exc}", err=True)
        sys.exit(exc.exit_code)
    if not quiet:
        click.echo(f"cwl2dirac: total wall time {time.monotonic() - t0:.2f} s", err=True)
    sys.exit(code)


def _software_beside_us_on_path() -> None:
    """Put this Python environment's ``bin`` first on PATH, as an activated venv would: tools installed beside
    cwl2dirac (ctapipe in the project's .venv) are found by the tasks and by the cwltool reference engine."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def _run_local(
    pipeline: Path,
    inputs: Path | None,
    outdir: Path | None,
    workdir: Path | None,
    jobs: int | None,
    retries: int | None,
    quiet: bool,
) -> int:
    from cwl2dirac.local.outputs import collect_outputs
    from cwl2dirac.local.progress import Progress
    from cwl2dirac.local.runner import run_request

    request = load_request(pipeline, inputs)
    request_json = request.to_json()
    workdir = workdir or default_workdir(request_json, request.name)
    fingerprint = hashlib.sha1(request_json.encode()).hexdigest()
    progress = Progress(mode="quiet" if quiet else None)
    report = run_request(
        request, workdir, jobs=jobs, retries=retries, progress=progress, fingerprint=fingerprint,
        request_json=request_json,
    )
    out = (outdir or Path.cwd()).resolve()
    err = sys.stderr
    if not report.complete:
        for f in report.failed:
            print(
                f"cwl2dirac: {f.step} task {f.task} failed after {f.attempts} attempt(s): {f.message}\n"
                f"  log: {f.log}",
                file=err,
            )
        for name in report.incomplete:
            print(f"cwl2dirac: step {name} incomplete", file=err)
        print(
            f"cwl2dirac: run failed; fix and re-run the same command to resume (work dir {workdir})", file=err
        )
        return report.exit_code
    from cwl2dirac.local.catalog import LocalCatalog

    result = collect_outputs(request, LocalCatalog.open(workdir), out)
    sys.stdout.write(json.dumps(result, indent=4, sort_keys=True) + "\n")
    sys.stdout.flush()
    if not quiet:
        print(
            f"cwl2dirac: {report.steps} transformation(s), {report.tasks} task(s) "
            f"({report.tasks_run} run now), "
            f"{report.files} file(s) in the catalog, {report.wall:.2f} s; outputs in {out}; "
            f"work dir {workdir}",
            file=err,
        )
    return 0


_TERM = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(=|!=|<=|>=|<|>|\s+not\s+in\s+|\s+in\s+)\s*(.*?)\s*$")


def _scalar(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_query(terms: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``['data_level=1', 'particle in gamma,proton']`` → ``{'data_level': 1, 'particle': {'in': [...]}}``."""
    query: dict[str, Any] = {}
    for term in terms:
        m = _TERM.match(term)
        if not m:
            raise click.BadParameter(
                f"cannot parse {term!r} (expected field=value, field in a,b, field>=v...)"
            )
        field, op, value = m.group(1), m.group(2).strip(), m.group(3)
        if op in ("in", "not in"):
            cond: Any = {
                "in" if op == "in" else "nin": [_scalar(v.strip()) for v in value.split(",") if v.strip()]
            }
        elif op == "=":
            cond = {"=": _scalar(value)}
        else:
            cond = {op: _scalar(value)}
        existing = query.get(field)
        query[field] = {**existing, **cond} if isinstance(existing, dict) else cond
    return query


@click.group("catalog")
def catalog_group() -> None:
    """Look into the catalog and task table of a local run."""


@catalog_group.command("query")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("terms", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="JSON lines (lfn, metadata, size).")
def catalog_query(workdir: Path, terms: tuple[str, ...], as_json: bool) -> None:
    """List the files of WORKDIR's catalog matching TERMS ('data_level=1' 'particle in gamma,proton')."""
    from cwl2dirac.local.catalog import LocalCatalog

    files = LocalCatalog.open(workdir).find(parse_query(terms))
    for f in files:
        if as_json:
            click.echo(
                json.dumps({"lfn": f.lfn, "metadata": dict(f.metadata), "size": f.size}, sort_keys=True)
            )
        else:
            meta = " ".join(f"{k}={v}" for k, v in sorted(f.metadata.items()))
            click.echo(f"{f.lfn}\t{meta}")


@catalog_group.command("tasks")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--status", default=None, help="Only tasks with this status (waiting, running, done, failed).")
def catalog_tasks(workdir: Path, status: str | None) -> None:
    """List the tasks of WORKDIR's run (step, task, status, attempts, log)."""
    from cwl2dirac.local.catalog import LocalCatalog

    for t in LocalCatalog.open(workdir).tasks():
        if status is None or t.status == status:
            click.echo(
                f"{t.step}\t{t.task}\t{t.status}\t{t.attempts}\t{len(t.inputs)} input(s)\t{t.log or ''}"
            )


@click.group()
def cli() -> None:
    """Stand-alone group with ``run`` and ``catalog`` (the main ``cwl2dirac`` group registers the same)."""


cli.add_command(run_command)
cli.add_command(catalog_group)

if __name__ == "__main__":
    cli()
