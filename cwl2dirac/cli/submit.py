"""``submit``, ``status``, ``controller``: a production on DIRAC."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

import cwl2dirac
from cwl2dirac.cli._common import handle_errors

DIRAC_CFG = click.option(
    "--dirac-cfg",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A DIRAC configuration file (default: $DIRACSYSCONFIG / the installation's dirac.cfg).",
)


@click.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option("--dry-run", is_flag=True, help="Print exactly what would be sent to DIRAC; send nothing.")
@click.option("--name", help="Production name (default: the pipeline file's name).")
@click.option("--lfn-base", help="LFN base of the outputs (default: the VO's namespace, /<vo>).")
@click.option("--json", "as_json", is_flag=True, help="The production as JSON on stdout.")
@DIRAC_CFG
@handle_errors()
def submit(
    pipeline: str, inputs: str | None, dry_run: bool, name: str | None, lfn_base: str | None, as_json: bool,
    dirac_cfg: Path | None,
) -> None:
    """Submit PIPELINE as a production to DIRAC (or show what would be sent, with --dry-run).

    The same command again finds the production it made and finishes what is missing.
    """
    if dry_run:
        description = cwl2dirac.describe(pipeline, inputs, name=name)
        json.dump(description, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return
    t0 = time.monotonic()
    production = cwl2dirac.submit(pipeline, inputs, name=name, lfn_base=lfn_base, dirac_cfg=dirac_cfg)
    if as_json:
        click.echo(json.dumps({"production": production.name, "id": int(production.id),
                               "transformations": dict(production.transformations),
                               "extended": dict(production.extended)}, indent=2, sort_keys=True))
        return
    click.echo(f"production {production.name}: id {production.id} ({time.monotonic() - t0:.1f} s)")
    for step, tid in production.transformations.items():
        tasks = f", {production.extended[step]} task(s)" if step in production.extended else ""
        click.echo(f"  {step}: transformation {tid}{tasks}")


@click.command()
@click.argument("production")
@click.option("--json", "as_json", is_flag=True, help="The status as JSON (see docs/dirac-mapping.md).")
@DIRAC_CFG
@handle_errors()
def status(production: str, as_json: bool, dirac_cfg: Path | None) -> None:
    """Where PRODUCTION stands: a DIRAC production's id or name, or a local run's work directory."""
    state = cwl2dirac.status(production, dirac_cfg=dirac_cfg)
    if as_json:
        click.echo(json.dumps(status_data(state), indent=2, sort_keys=True))
        return
    done = "complete" if state.complete else ("failed" if state.failed else "running")
    click.echo(f"production {state.production.name} ({state.production.backend} {state.production.id}): {done}")
    for step in state.steps:
        tasks = ", ".join(f"{n} {k}" for k, n in sorted(step.tasks.items())) or "no task"
        files = ", ".join(f"{n} {k}" for k, n in sorted(step.files.items())) or "no file"
        click.echo(f"  {step.name}: {'complete' if step.complete else 'not complete'}; tasks: {tasks}; files: {files}")
    for f in state.failed:
        click.echo(f"  failed: {f.step} task {f.task}: {f.message} ({f.log})")


def status_data(state: cwl2dirac.ProductionStatus) -> dict[str, object]:
    """The ``--json`` shape of a status (version 1)."""
    return {
        "version": 1,
        "production": {"backend": state.production.backend, "name": state.production.name, "id": state.production.id},
        "complete": state.complete,
        "steps": [
            {"name": s.name, "complete": s.complete, "tasks": dict(s.tasks), "files": dict(s.files)}
            for s in state.steps
        ],
        "failed": [
            {"step": f.step, "task": f.task, "attempts": f.attempts, "message": f.message, "log": f.log}
            for f in state.failed
        ],
    }


@click.command()
@click.argument("productions", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--watch", type=float, default=None, metavar="SECONDS", help="Run a pass every SECONDS until Ctrl-C.")
@DIRAC_CFG
@handle_errors()
def controller(productions: tuple[str, ...], dry_run: bool, watch: float | None, dirac_cfg: Path | None) -> None:
    """One pass of the production controller (release, flush, complete) over PRODUCTIONS (default: every
    cwl2dirac production), as its DIRAC agent does at each cycle: for a DIRAC without the agent."""
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.controller import run_cycle

    clients = DiracClients([dirac_cfg] if dirac_cfg else [])
    while True:
        actions = run_cycle(clients, productions=productions or None, dry_run=dry_run)
        for action in actions:
            click.echo(("would: " if dry_run else "") + str(action))
        if watch is None:
            if not actions:
                click.echo("nothing to do", err=True)
            return
        time.sleep(watch)
