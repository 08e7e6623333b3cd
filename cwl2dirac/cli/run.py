"""``run``: run a workflow (or a compiled production request) here, with cwltool's command line.

``cwl2dirac run --outdir DIR --quiet tool.cwl job.yml``: the output object is the only thing on stdout, progress
and the summary go to stderr; exit code 0 success, 1 failure, 33 unsupported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import cwl2dirac
from cwl2dirac._api import failure_line
from cwl2dirac.cli._common import Document, State, handle_errors, show_hint_messages
from cwl2dirac.cli._hints import Hints, gather, hint_options
from cwl2dirac.request.wire import USER_SPACE_PREFIX

if TYPE_CHECKING:
    from cwl2dirac.backends.policy import Policy


def _container_argv(container: str | None, default_container: str | None) -> list[str]:
    """cwltool's own options for ``container`` (as :func:`cwl2dirac.run` takes it) and ``default_container``."""
    argv: list[str] = []
    if container == "none":
        argv.append("--no-container")
    elif container is not None and container.startswith(USER_SPACE_PREFIX):
        argv += ["--user-space-docker-cmd", container.removeprefix(USER_SPACE_PREFIX)]
    elif container is not None and container != "docker":
        argv.append(f"--{container}")
    if default_container:
        argv += ["--default-container", default_container]
    return argv


def _run_cwltool(
    pipeline: Path, inputs: Path | None, outdir: Path | None, quiet: bool, debug: bool, container_argv: list[str]
) -> int:
    import cwltool.main

    argv = ["--outdir", str(outdir or Path.cwd()), *container_argv]
    if quiet:
        argv.append("--quiet")
    if debug:
        argv.append("--debug")
    argv.append(str(pipeline))
    if inputs is not None:
        argv.append(str(inputs))
    return int(cwltool.main.main(argv))


@click.command("run")
@click.argument("pipeline", type=Document())
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
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel tasks (default: number of cores)."
)
@click.option(
    "--retries", type=click.IntRange(0, 99), default=None,
    help="Retries of a failed task: --max-attempts N+1 (default: each step's max_retries).",
)
@click.option(
    "--max-attempts", type=click.IntRange(1, 100), default=None,
    help="The recovery policy: attempts of each task, for every step (default 3 with --retry-deterministic, else "
    "each step's max_retries + 1).",
)
@click.option(
    "--retry-deterministic", is_flag=True,
    help="Retry deterministic failures (worker exit 34) too, instead of reporting them after one attempt.",
)
@click.option("--quiet", is_flag=True, help="No progress, no summary.")
@click.option(
    "--engine",
    type=click.Choice(["local", "cwltool"]),
    default="local",
    help="local: Transformation System semantics; cwltool: run the workflow with cwltool (reference).",
)
@click.option(
    "--backend",
    type=click.Choice(["local", "dirac"]),
    default="local",
    help="local: this machine (default); dirac: submit to DIRAC, follow the production, download the outputs.",
)
@click.option("--name", help="Production name (default: the pipeline file's name).")
@click.option("--lfn-base", help="LFN base of the outputs (DIRAC default: the VO's namespace, /<vo>).")
@click.option("--dirac-cfg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --backend dirac: a DIRAC configuration file.")
@click.option("--drive", is_flag=True,
              help="With --backend dirac: also run the production controller's pass from here (a DIRAC without "
              "the cwl2dirac agent).")
@click.option("--timeout", type=float, default=None, help="With --backend dirac: follow at most this many seconds.")
@click.option(
    "--no-container", "container", flag_value="none",
    help="Run no tool in a container, even with a DockerRequirement (cwltool's --no-container).",
)
@click.option(
    "--singularity", "container", flag_value="singularity",
    help="Run containers with Singularity/Apptainer, DockerRequirement hints too (cwltool's --singularity).",
)
@click.option("--podman", "container", flag_value="podman", help="Run containers with Podman (cwltool's --podman).")
@click.option("--udocker", "container", flag_value="udocker", help="Run containers with udocker (cwltool's --udocker).")
@click.option(
    "--user-space-docker-cmd", "user_space_docker_cmd", metavar="CMD", default=None,
    help="Run containers with this user-space docker command (cwltool's --user-space-docker-cmd).",
)
@click.option(
    "--default-container", metavar="IMAGE", default=None,
    help="Image for tools without a DockerRequirement (cwltool's --default-container).",
)
@click.option(
    "--datasets-from", "datasets_from", multiple=True, metavar="WORKDIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A local run whose datasets (catalog dataset add) the workflow's dataset inputs take; repeatable "
    "(default: any run that has them).",
)
@click.option(
    "--config-dir", "config_dir", metavar="DIR", default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The software release's configuration directory, where software-config: inputs are "
    "(default: $CTAPIPE_DIR/config; on DIRAC the worker's release gives them).",
)
@hint_options
@click.option("--debug", is_flag=True, help="Tracebacks on errors.")
def run_command(
    pipeline: Path,
    inputs: Path | None,
    outdir: Path | None,
    workdir: Path | None,
    jobs: int | None,
    retries: int | None,
    max_attempts: int | None,
    retry_deterministic: bool,
    quiet: bool,
    engine: str,
    backend: str,
    name: str | None,
    lfn_base: str | None,
    dirac_cfg: Path | None,
    drive: bool,
    timeout: float | None,
    container: str | None,
    user_space_docker_cmd: str | None,
    default_container: str | None,
    datasets_from: tuple[Path, ...],
    config_dir: Path | None,
    hint: tuple[Any, ...],
    hints_file: Hints | None,
    debug: bool,
) -> None:
    """Run PIPELINE (a CWL workflow or tool, or a compiled production request) locally with INPUTS.

    Container options as cwltool's: by default a DockerRequirement that is a requirement runs in Docker and a
    hint does not (grid nodes rarely have Docker); --no-container runs every tool on this machine; --singularity,
    --podman, --udocker, --user-space-docker-cmd choose the engine (then hints use it too, as in cwltool).
    """
    State.debug = State.debug or debug
    if State.debug:
        from cwl2dirac.backends.dirac import _boundary

        _boundary.SHOW_DIRAC_MESSAGES = True
    show_hint_messages(quiet)
    if user_space_docker_cmd:
        if container is not None:
            raise click.UsageError("--user-space-docker-cmd cannot be combined with another container option")
        container = USER_SPACE_PREFIX + user_space_docker_cmd
    if container == "none" and default_container:
        raise click.UsageError("--default-container cannot be combined with --no-container")
    if retries is not None and max_attempts is not None:
        raise click.UsageError("--retries N is --max-attempts N+1: give one of them")
    _software_beside_us_on_path()
    hints = gather(hint, hints_file)
    if engine == "cwltool":
        if hints is not None:
            raise click.UsageError("--hint and --hints apply to the local engine and --backend dirac, not to cwltool")
        sys.exit(
            _run_cwltool(
                pipeline, inputs, outdir, quiet, State.debug, _container_argv(container, default_container)
            )
        )
    if backend == "dirac":
        if container is not None or default_container or datasets_from or config_dir:
            raise click.UsageError("container options, --datasets-from and --config-dir apply to --backend local")
        if retries is not None or max_attempts is not None or retry_deterministic:
            raise click.UsageError("--retries, --max-attempts and --retry-deterministic apply to --backend local "
                                   "(on DIRAC: the controller's policy, or cwl2dirac recover)")
        sys.exit(_run_dirac(pipeline, inputs, outdir, name, lfn_base, dirac_cfg, drive, timeout, quiet, hints))
    policy = None
    if max_attempts is not None or retry_deterministic:
        from cwl2dirac.backends.policy import Policy

        attempts = max_attempts if max_attempts is not None else (3 if retries is None else retries + 1)
        policy, retries = Policy(max_attempts=attempts, deterministic_final=not retry_deterministic), None
    sys.exit(
        _run_local(
            pipeline, inputs, outdir, workdir, jobs, retries, quiet, container, default_container, datasets_from,
            name, lfn_base, policy, hints, config_dir,
        )
    )


def _software_beside_us_on_path() -> None:
    """Put this Python environment's ``bin`` first on PATH, as an activated venv would: tools installed beside
    cwl2dirac (ctapipe in the project's .venv) are found by the tasks and by the cwltool reference engine."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


@handle_errors(prefix="cwl2dirac: ")
def _run_local(
    pipeline: Path,
    inputs: Path | None,
    outdir: Path | None,
    workdir: Path | None,
    jobs: int | None,
    retries: int | None,
    quiet: bool,
    container: str | None = None,
    default_container: str | None = None,
    datasets_from: tuple[Path, ...] = (),
    name: str | None = None,
    lfn_base: str | None = None,
    policy: Policy | None = None,
    hints: Hints | None = None,
    config_dir: Path | None = None,
) -> int:
    t0 = time.monotonic()
    result = cwl2dirac.run(
        pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base, outdir=outdir, workdir=workdir, jobs=jobs,
        retries=retries, policy=policy,
        progress="quiet" if quiet else None, check=False, container=container, default_container=default_container,
        dataset_catalogs=datasets_from, config_dir=config_dir,
    )
    code = _report(result, quiet)
    if not quiet:
        print(f"cwl2dirac: total wall time {time.monotonic() - t0:.2f} s", file=sys.stderr)
    return code


@handle_errors(prefix="cwl2dirac: ")
def _run_dirac(
    pipeline: Path,
    inputs: Path | None,
    outdir: Path | None,
    name: str | None,
    lfn_base: str | None,
    dirac_cfg: Path | None,
    drive: bool,
    timeout: float | None,
    quiet: bool,
    hints: Hints | None = None,
    config_dir: Path | None = None,
) -> int:
    t0 = time.monotonic()
    result = cwl2dirac.run(
        pipeline, inputs, backend="dirac", name=name, hints=hints, lfn_base=lfn_base, outdir=outdir,
        dirac_cfg=dirac_cfg, drive=drive, timeout=timeout, progress="quiet" if quiet else None, check=False,
    )
    code = _report(result, quiet)
    if not quiet:
        print(f"cwl2dirac: total wall time {time.monotonic() - t0:.2f} s", file=sys.stderr)
    return code


def _report(result: cwl2dirac.RunResult, quiet: bool) -> int:
    """The output object on stdout (or the failures on stderr), the summary line; the exit code."""
    from cwl2dirac.backends.local.backend import LocalProduction

    err = sys.stderr
    work = result.production.id
    if not result.ok:
        # one line per failed task, the last one saying what to do; nothing else (the steps it blocked are implied)
        lines = [f"cwl2dirac: {failure_line(f)}" for f in result.status.failed]
        if not lines:
            incomplete = ", ".join(s.name for s in result.status.steps if not s.complete) or "unknown"
            lines = [f"cwl2dirac: run failed: step(s) {incomplete} did not complete"]
        where = f"work dir {work}" if result.production.backend == "local" else f"DIRAC production {work}"
        if any(f.final for f in result.status.failed):
            lines[-1] += (f"; fix, reset what recover left failed (cwl2dirac recover {work} --max-attempts N) and "
                          f"re-run the same command to resume")
        else:
            lines[-1] += f"; fix and re-run the same command to resume ({where})"
        print("\n".join(lines), file=err)
        return result.exit_code
    sys.stdout.write(json.dumps(result.outputs, indent=4, sort_keys=True) + "\n")
    sys.stdout.flush()
    report = result.production.report if isinstance(result.production, LocalProduction) else None
    if not quiet and report is None:
        tasks = sum(sum(s.tasks.values()) for s in result.status.steps)
        print(
            f"cwl2dirac: DIRAC production {result.production.name} (id {work}): {len(result.status.steps)} "
            f"transformation(s), {tasks} task(s); outputs in {result.outdir}",
            file=err,
        )
    if not quiet and report is not None:
        print(
            f"cwl2dirac: {report.steps} transformation(s), {report.tasks} task(s) ({report.tasks_run} run now), "
            f"{report.files} file(s) in the catalog, {report.wall:.2f} s; outputs in {result.outdir}; "
            f"work dir {work}",
            file=err,
        )
    return 0
