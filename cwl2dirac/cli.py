"""The ``cwl2dirac`` command line: validate, compile, graph, submit, run, catalog, schema."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from cwl2dirac.errors import Cwl2DiracError

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    debug = False
    own_process = False  # set by entry(): this process is the cwl2dirac command, not an embedding program
    fast_exit = False  # the command holds nothing that needs the interpreter's teardown


def handle_errors(func: F) -> F:
    """Run a command; a cwl2dirac error becomes one line on stderr and its exit code (traceback with --debug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Cwl2DiracError as exc:
            if _State.debug:
                raise
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug of ours: still one line unless --debug
            if _State.debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class _Cli(click.Group):
    """A group that, like cwltool, also takes ``cwl2dirac [options] tool.cwl [job.yml]``: that is ``run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in self.commands and "run" in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks and DIRAC's own messages.")
@click.version_option(package_name="cwl2dirac")
def main(debug: bool) -> None:
    """Compile CWL workflows into DIRAC Production System requests, and run them.

    \b
    Typical use:
      cwl2dirac validate pipeline.cwl                 check the workflow (and inputs)
      cwl2dirac compile pipeline.cwl inputs.yml -o production.yaml
      cwl2dirac graph pipeline.cwl -o pipeline.svg    draw the production
      cwl2dirac run pipeline.cwl inputs.yml           run it on this machine
      cwl2dirac submit pipeline.cwl inputs.yml --dry-run   show what DIRAC would get

    As a CWL runner (cwltool's surface), ``cwl2dirac [--outdir DIR] [--quiet] tool.cwl job.yml`` is ``run``.
    """
    _State.debug = debug


def _compiling_process() -> None:
    """In the ``cwl2dirac`` process itself: import DIRAC in a sidecar while compiling, no cyclic garbage
    collection (a compile makes few cycles, and the process ends with the command), and no interpreter teardown
    at the end (freeing a large request object by object takes a tenth of a second)."""
    if _State.own_process:
        from cwl2dirac.dirac import sidecar

        sidecar.start()
        gc.disable()
        _State.fast_exit = True


@main.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@handle_errors
def validate(pipeline: str, inputs: str | None) -> None:
    """Check PIPELINE (and INPUTS): load, types, graph, mapping to DIRAC. Prints the steps."""
    _compiling_process()
    from cwl2dirac.compiler import compile_workflow

    request = compile_workflow(pipeline, inputs)
    click.echo(f"{request.source}: valid, {len(request.steps)} step(s)")
    for step in request.steps:
        parents = f" <- {', '.join(step.parents)}" if step.parents else ""
        click.echo(f"  {step.name}: {step.type}, group size {step.group_size}{parents}")


@main.command(name="compile")
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option("-o", "--output", help="Write the request here (.yaml/.yml or .json); default: stdout (YAML).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "prodsteps"]), default=None,
              help="Output format (default: from the file suffix, else YAML). prodsteps: CTADIRAC's ProdSteps YAML.")
@click.option("--name", help="Production name (default: the pipeline file's name).")
@handle_errors
def compile_cmd(pipeline: str, inputs: str | None, output: str | None, fmt: str | None, name: str | None) -> None:
    """Compile PIPELINE (with optional INPUTS) into a production request."""
    _compiling_process()
    from cwl2dirac.compiler import compile_workflow

    request = compile_workflow(pipeline, inputs, name=name)
    if fmt is None:
        fmt = "json" if output and output.endswith(".json") else "yaml"
    if fmt == "prodsteps":
        from cwl2dirac.backends.prodsteps import to_prodsteps_yaml

        text = to_prodsteps_yaml(request)
    else:
        text = request.to_json() if fmt == "json" else request.to_yaml()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output} ({len(request.steps)} step(s))", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option("-o", "--output", required=True, help="Picture to write: .svg, .png, .pdf or .dot.")
@handle_errors
def graph(pipeline: str, inputs: str | None, output: str) -> None:
    """Draw the production of PIPELINE: steps with types, group sizes and input queries."""
    from cwl2dirac.backends.graph import write_graph
    from cwl2dirac.compiler import compile_workflow

    write_graph(compile_workflow(pipeline, inputs, bodies=False), output)
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option("--dry-run", is_flag=True, help="Print exactly what would be sent to DIRAC; send nothing.")
@click.option("--name", help="Production name (default: the pipeline file's name).")
@handle_errors
def submit(pipeline: str, inputs: str | None, dry_run: bool, name: str | None) -> None:
    """Submit PIPELINE as a production to the configured DIRAC (or show it with --dry-run)."""
    from cwl2dirac.compiler import compile_workflow
    from cwl2dirac.dirac.backend import DiracBackend

    request = compile_workflow(pipeline, inputs, name=name)
    backend = DiracBackend()
    if dry_run:
        backend.dry_run(request, sys.stdout)
        return
    result = backend.submit(request)
    click.echo(json.dumps(getattr(result, "__dict__", str(result)), default=str, indent=2))


@main.command()
@click.argument("what", type=click.Choice(["hints", "request"]))
def schema(what: str) -> None:
    """Print the JSON schema of the dirac: hints or of the production request."""
    if what == "hints":
        from cwl2dirac.hints import json_schema

        click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
    else:
        from cwl2dirac.request import request_json_schema

        click.echo(json.dumps(request_json_schema(), indent=2, sort_keys=True))


def _register_run_commands() -> None:
    try:
        from cwl2dirac import cli_run
    except ImportError:  # the local backend is optional while it is being built
        return
    for value in vars(cli_run).values():
        if isinstance(value, click.Command) and value.name in ("run", "catalog"):
            main.add_command(value)


_register_run_commands()


def entry() -> None:
    """The ``cwl2dirac`` console script: :func:`main`, owning its process (see :func:`_compiling_process`)."""
    _State.own_process = True
    try:
        main()
    except SystemExit as exc:
        if not _State.fast_exit or not isinstance(exc.code, int | None):
            raise
        from cwl2dirac.dirac import sidecar

        sidecar.stop(kill=True)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): nothing more to say
                stream.flush()
        os._exit(exc.code or 0)


if __name__ == "__main__":
    entry()
