"""``submit``, ``status``, ``controller``, ``recover``: a production on DIRAC."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

import cwl2dirac
from cwl2dirac.cli._common import handle_errors
from cwl2dirac.cli._hints import gather, hint_options
from cwl2dirac.errors import NameRuleError
from cwl2dirac.request.names import check_production_name

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
@hint_options
@handle_errors()
def submit(
    pipeline: str, inputs: str | None, dry_run: bool, name: str | None, lfn_base: str | None, as_json: bool,
    dirac_cfg: Path | None, hint: tuple[Any, ...], hints_file: Any,
) -> None:
    """Submit PIPELINE as a production to DIRAC (or show what would be sent, with --dry-run).

    The same command again finds the production it made and finishes what is missing.
    """
    hints = gather(hint, hints_file)
    if dry_run:
        description = cwl2dirac.describe(pipeline, inputs, name=name, hints=hints)
        json.dump(description, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return
    t0 = time.monotonic()
    production = cwl2dirac.submit(pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base, dirac_cfg=dirac_cfg)
    if as_json:
        click.echo(json.dumps({"production": production.name, "id": int(production.id),
                               "transformations": dict(production.transformations),
                               "extended": dict(production.extended)}, indent=2, sort_keys=True))
        return
    click.echo(f"production {production.name}: id {production.id} ({time.monotonic() - t0:.1f} s)")
    for step, tid in production.transformations.items():
        tasks = f", {production.extended[step]} task(s)" if step in production.extended else ""
        click.echo(f"  {step}: transformation {tid}{tasks}")


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
"""What reads as a number (a production id is a whole number from 1; ``2.5`` is a name DIRAC accepts)."""


def check_production(value: str, *, paths: bool = True) -> str:
    """``value`` if some backend could take it as a production: an existing path (a local run's work directory:
    the command looks at it), a DIRAC production id (a whole number from 1), or a name DIRAC accepts
    (:func:`~cwl2dirac.request.names.check_production_name`); else :class:`click.BadParameter`, before anything
    is asked of any backend."""
    if value and not value.strip() and value.isascii():  # the one-line report would fold the blanks: count them
        raise click.BadParameter(f"{len(value)} blank character(s) are not a production id, name or work directory")
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise click.BadParameter(f"{value!r} is not a production id, name or work directory")
    if paths and os.path.lexists(value):
        return value
    if value.isdigit() and value.isascii():
        if int(value) < 1:
            raise click.BadParameter(f"{value!r}: a production id is a whole number from 1")
        return value
    if paths and "/" in value:
        raise click.BadParameter(f"{value!r}: no such work directory")
    try:
        return check_production_name(value)
    except NameRuleError as exc:
        if NUMBER.fullmatch(value):  # -3, +3, .5
            raise click.BadParameter(f"{value!r} is not a production id (a whole number from 1)") from None
        raise click.BadParameter(str(exc)) from None


def production_argument(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A production argument that no backend could take (see :func:`check_production`)."""
    return check_production(value)


def production_names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Production names (the controller selects productions by name): each one DIRAC accepts."""
    for name in value:
        if name.isdigit() and name.isascii():
            raise click.BadParameter(f"{name!r}: give the production's name (the controller selects by name)")
        check_production(name, paths=False)
    return value


def seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """An interval of at least one second, finite."""
    if value is not None and not (1 <= value < 10**7):
        raise click.BadParameter(f"{value:g} is not a number of seconds from 1 to 10000000")
    return value


@click.command()
@click.argument("production", callback=production_argument)
@click.option("--json", "as_json", is_flag=True, help="The status as JSON (a versioned shape: docs/status.md).")
@click.option("--watch", type=float, callback=seconds, default=None, metavar="SECONDS",
              help="Show it again every SECONDS (at least 1) until the production is complete or failed (or Ctrl-C).")
@click.option("--backend", type=click.Choice(["local", "dirac"]), default=None,
              help="Where PRODUCTION is, when a name could be both (default: a local run of that name, else DIRAC).")
@DIRAC_CFG
@handle_errors()
def status(production: str, as_json: bool, watch: float | None, backend: str | None, dirac_cfg: Path | None) -> None:
    """Where PRODUCTION stands: a DIRAC production's id or name, or a local run's work directory or name.

    Per step: its state, a progress bar, tasks and input files by status; then the failed tasks with their error
    and log. With --watch, the exit code says how it ended: 0 complete, 1 a task failed for good.
    """
    from cwl2dirac._api import follow

    chosen: Any = backend
    refresh = follow(production, backend=chosen, dirac_cfg=dirac_cfg)

    def show() -> cwl2dirac.ProductionStatus:
        state = refresh()
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
@click.argument("productions", nargs=-1, callback=production_names)
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--watch", type=float, callback=seconds, default=None, metavar="SECONDS",
              help="Run a pass every SECONDS (at least 1) until Ctrl-C.")
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
@click.option("--max-attempts", type=click.IntRange(1, 100), default=None,
              help="Attempts a task (a file, on DIRAC) may have; after that many failures it is left failed "
              "(Problematic, on DIRAC). Default: 3.")
@click.option("--retry-deterministic", is_flag=True,
              help="Retry deterministic failures (worker exit 34) too, instead of leaving them failed at once.")
@click.option("--stalled-after", type=click.IntRange(10, 30 * 86400), default=7200, show_default=True,
              metavar="SECONDS", help="DIRAC: a running job without a sign of life for that long is stalled: killed, "
              "and its task recovered.")
@click.option("--force", is_flag=True, help="Act on a DIRAC production that cwl2dirac did not make.")
@click.option("--backend", type=click.Choice(["local", "dirac"]), default=None,
              help="Where PRODUCTION is, when a name could be both (default: a local run of that name, else DIRAC).")
@DIRAC_CFG
@handle_errors()
def recover(production: str, dry_run: bool, max_attempts: int | None, retry_deterministic: bool, stalled_after: int,
            force: bool, backend: str | None, dirac_cfg: Path | None) -> None:
    """Recover the failed tasks of PRODUCTION now, by the recovery policy: a DIRAC production's id or name, or a
    local run's work directory or name.

    DIRAC: the files of each task whose job failed go back to Unused for another task, or become Problematic after
    --max-attempts failures (at once for a deterministic failure); the task is set Failed (a task without input data
    gets a new job instead, until its last attempt). A job that vanished, or stalled (--stalled-after), is failed
    first. Tasks whose job still runs are never touched. The production controller applies the same policy at
    each cycle.

    Local run: each failed task is reset for another attempt (the next `cwl2dirac run` of the same command runs
    exactly those), or left failed after --max-attempts attempts (at once for a deterministic failure); a task left
    failed is not retried by the next run.
    """
    from cwl2dirac.backends.local.backend import local_run
    from cwl2dirac.backends.policy import Policy

    policy = Policy(max_attempts=3 if max_attempts is None else max_attempts,
                    deterministic_final=not retry_deterministic, stalled_after=stalled_after)
    workdir = local_run(production, backend)
    if workdir is not None:
        from cwl2dirac.backends.local.recovery import recover_run

        if force:
            raise click.UsageError("--force applies to DIRAC productions, not to a local run")
        done = recover_run(workdir, policy, dry_run=dry_run)
        for recovery in done:
            click.echo(("would: " if dry_run else "") + str(recovery))
        if not done:
            click.echo(f"nothing to recover in local run {workdir} (no failed task)", err=True)
        return
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.controller import recover_production

    actions = recover_production(DiracClients([dirac_cfg] if dirac_cfg else []), production, policy,
                                 dry_run=dry_run, force=force)
    for action in actions:
        click.echo(("would: " if dry_run else "") + str(action))
    if not actions:
        click.echo(f"nothing to recover in production {production}", err=True)
