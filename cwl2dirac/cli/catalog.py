"""``catalog``: look into the catalog and task table of a local run; ``catalog dataset``: its datasets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from cwl2dirac.cli._common import handle_errors
from cwl2dirac.errors import NameRuleError
from cwl2dirac.request.names import check_field_name

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
        try:
            check_field_name(field)
        except NameRuleError as exc:
            raise click.BadParameter(f"{term!r}: {exc.message}") from None
        if op in ("in", "not in"):
            values = [_scalar(v.strip()) for v in value.split(",") if v.strip()]
            if not values:
                raise click.BadParameter(f"{term!r}: '{op}' needs a comma-separated list of values")
            cond: Any = {"in" if op == "in" else "nin": values}
        elif op == "=":
            cond = {"=": _scalar(value)}
        else:
            cond = {op: _scalar(value)}
        existing = query.get(field)
        query[field] = {**existing, **cond} if isinstance(existing, dict) else cond
    return query


def _catalog(workdir: Path) -> Any:
    """The catalog of a run's work directory (never a new one: looking must not write)."""
    from cwl2dirac.backends.local.catalog import DB_NAME, LocalCatalog

    if not (workdir / DB_NAME).is_file():
        raise click.BadParameter(
            f"{str(workdir)!r} is not the work directory of a cwl2dirac run (it has no {DB_NAME})",
            param_hint="'WORKDIR'",
        )
    return LocalCatalog.open(workdir)


@click.group("catalog")
def catalog_group() -> None:
    """Look into the catalog and task table of a local run."""


@catalog_group.command("query")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("terms", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="JSON lines (lfn, metadata, size).")
def catalog_query(workdir: Path, terms: tuple[str, ...], as_json: bool) -> None:
    """List the files of WORKDIR's catalog matching TERMS ('data_level=1' 'particle in gamma,proton')."""
    query = parse_query(terms)  # before the catalog is opened: a bad query touches nothing
    files = _catalog(workdir).find(query)
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
@click.option(
    "--status", type=click.Choice(["waiting", "running", "done", "failed"]), default=None,
    help="Only tasks with this status.",
)
def catalog_tasks(workdir: Path, status: str | None) -> None:
    """List the tasks of WORKDIR's run (step, task, status, attempts, log)."""
    for t in _catalog(workdir).tasks():
        if status is None or t.status == status:
            click.echo(
                f"{t.step}\t{t.task}\t{t.status}\t{t.attempts}\t{len(t.inputs)} input(s)\t{t.log or ''}"
            )


@catalog_group.group("dataset")
def dataset_group() -> None:
    """Datasets of a local run's catalog: named meta-queries, as DIRAC File Catalog datasets.

    \b
    A workflow input given as a dataset (a job order's 'files: {dataset: NAME}', or dirac:InputData's
    datasets) takes their files in a later 'cwl2dirac run' (see --datasets-from).
    """


@dataset_group.command("add")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("name")
@click.argument("terms", nargs=-1, required=True)
@click.option("--replace", is_flag=True, help="Replace a dataset of that name.")
@handle_errors()
def dataset_add(workdir: Path, name: str, terms: tuple[str, ...], replace: bool) -> None:
    """Define dataset NAME in WORKDIR's catalog as the files matching TERMS ('data_level=1' 'particle=gamma')."""
    from cwl2dirac.backends.local.catalog import LocalCatalog

    count = LocalCatalog.open(workdir).add_dataset(name, parse_query(terms), replace=replace)
    click.echo(f"dataset {name}: {count} file(s) now", err=True)


@dataset_group.command("list")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@handle_errors()
def dataset_list(workdir: Path) -> None:
    """List WORKDIR's datasets: name, number of files, meta-query."""
    from cwl2dirac.backends.local.catalog import LocalCatalog

    catalog = LocalCatalog.open(workdir)
    for name, query in catalog.datasets().items():
        click.echo(f"{name}\t{catalog.count(query)} file(s)\t{json.dumps(query, sort_keys=True)}")


@dataset_group.command("show")
@click.argument("workdir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (lfn, metadata, size).")
@handle_errors()
def dataset_show(workdir: Path, name: str, as_json: bool) -> None:
    """Show dataset NAME of WORKDIR: its meta-query, then its files."""
    from cwl2dirac.backends.local.catalog import LocalCatalog
    from cwl2dirac.errors import BackendError

    catalog = LocalCatalog.open(workdir)
    datasets = catalog.datasets()
    if name not in datasets:
        known = ", ".join(datasets) or "none"
        raise BackendError(f"no dataset {name!r} in {workdir} (datasets: {known})")
    files = catalog.find(datasets[name])
    click.echo(f"# {name}: {json.dumps(datasets[name], sort_keys=True)}, {len(files)} file(s)", err=as_json)
    for f in files:
        if as_json:
            click.echo(json.dumps({"lfn": f.lfn, "metadata": dict(f.metadata), "size": f.size}, sort_keys=True))
        else:
            click.echo(f.lfn)
