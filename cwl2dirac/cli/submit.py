"""``submit``, ``status``, ``controller``, ``recover``: a production on DIRAC."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

import cwl2dirac
from cwl2dirac.cli._common import handle_errors
from cwl2dirac.errors import BackendError

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


def production_argument(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A production argument that no backend could take (empty, a newline or another control character)."""
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise click.BadParameter(f"{value!r} is not a production id, name or work directory")
    return value


@click.command()
@click.argument("production", callback=production_argument)
@click.option("--json", "as_json", is_flag=True, help="The status as JSON (a versioned shape: docs/status.md).")
@click.option("--watch", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Show it again every SECONDS until the production is complete or failed (or Ctrl-C).")
@click.option("--backend", type=click.Choice(["local", "dirac"]), default=None,
              help="Where PRODUCTION is, when a name could be both (default: a local run of that name, else DIRAC).")
@DIRAC_CFG
@handle_errors()
def status(production: str, as_json: bool, watch: float | None, backend: str | None, dirac_cfg: Path | None) -> None:
    """Where PRODUCTION stands: a DIRAC production's id or name, or a local run's work directory or name.

    Per step: its state, a progress bar, tasks and input files by status; then the failed tasks with their error
    and log. With --watch, the exit code says how it ended: 0 complete, 1 a task failed for good.
    """
    chosen: Any = backend

    def show() -> cwl2dirac.ProductionStatus:
        state = cwl2dirac.status(production, backend=chosen, dirac_cfg=dirac_cfg)
        if as_json:
            click.echo(json.dumps(status_data(state), indent=None if watch else 2, sort_keys=True))
        else:
            click.echo("\n".join(status_lines(state)))
        return state

    state = show()
    while watch and not state.complete and not state.failed:
        time.sleep(watch)
        if not as_json:
            click.echo(f"\n-- {time.strftime('%H:%M:%S')}, every {watch:g} s (Ctrl-C to stop)")
        state = show()
    if watch and state.failed:
        sys.exit(1)


BAR = 24


def bar(share: float) -> str:
    """``[########................]`` for a share between 0 and 1."""
    filled = round(max(0.0, min(1.0, share)) * BAR)
    return "[" + "#" * filled + "." * (BAR - filled) + "]"


def status_lines(state: cwl2dirac.ProductionStatus) -> list[str]:
    """The text of ``status``: the production, a line per step, the failed tasks."""
    overall = "complete" if state.complete else ("failed" if state.failed else "running")
    lines = [f"production {state.production.name} ({state.production.backend} {state.production.id}): {overall}"]
    width = max((len(s.name) for s in state.steps), default=0)
    for step in state.steps:
        tasks = ", ".join(f"{n} {k}" for k, n in sorted(step.tasks.items())) or "no task"
        files = ", ".join(f"{n} {k}" for k, n in sorted(step.files.items())) or "no file"
        lines.append(f"  {step.name:<{width}}  {step.state:<8} {bar(step.progress)} {step.progress:4.0%}  "
                     f"tasks: {tasks}; files: {files}")
    for f in state.failed:
        lines.append(f"  failed: {f.step} task {f.task} ({f.attempts} attempt(s)): {f.message} (log: {f.log})")
    return lines


def status_data(state: cwl2dirac.ProductionStatus) -> dict[str, object]:
    """The ``--json`` shape of a status (version 1)."""
    return {
        "version": 1,
        "production": {"backend": state.production.backend, "name": state.production.name, "id": state.production.id},
        "complete": state.complete,
        "steps": [
            {"name": s.name, "state": s.state, "complete": s.complete, "progress": round(s.progress, 4),
             "tasks": dict(s.tasks), "files": dict(s.files)}
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


@click.command()
@click.argument("production", callback=production_argument)
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--max-attempts", type=click.IntRange(1, 100), default=3, show_default=True,
              help="Tasks a file may be given; after that many failures it becomes Problematic.")
@click.option("--retry-deterministic", is_flag=True,
              help="Reset the files of deterministic failures (worker exit 34) too, instead of Problematic at once.")
@click.option("--force", is_flag=True, help="Act on a production that cwl2dirac did not make.")
@DIRAC_CFG
@handle_errors()
def recover(production: str, dry_run: bool, max_attempts: int, retry_deterministic: bool, force: bool,
            dirac_cfg: Path | None) -> None:
    """Recover the failed tasks of PRODUCTION (a DIRAC production's id or name) now, by the recovery policy.

    The files of each task whose job failed go back to Unused for another task, or become Problematic after
    --max-attempts failures (at once for a deterministic failure); the task is set Failed. Tasks whose job still
    runs are never touched. The production controller applies the same policy at each cycle.
    """
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.controller import recover_production
    from cwl2dirac.backends.policy import Policy

    if Path(production).is_dir():
        raise BackendError(f"{production} is a local run: run the same command again to retry its failed tasks "
                           "(cwl2dirac run --retries N)")
    policy = Policy(max_attempts=max_attempts, deterministic_final=not retry_deterministic)
    actions = recover_production(DiracClients([dirac_cfg] if dirac_cfg else []), production, policy,
                                 dry_run=dry_run, force=force)
    for action in actions:
        click.echo(("would: " if dry_run else "") + str(action))
    if not actions:
        click.echo(f"nothing to recover in production {production}", err=True)
