"""The ``cwl2dirac`` command line: one click group, one module per family of commands.

- :mod:`~cwl2dirac.cli.compile`: ``validate``, ``compile``, ``graph``, ``schema``;
- :mod:`~cwl2dirac.cli.run`: ``run`` (cwltool's command line; also ``cwl2dirac [options] tool.cwl job.yml``);
- :mod:`~cwl2dirac.cli.submit`: ``submit``, ``status``, ``controller``, ``recover`` (a production on DIRAC);
- :mod:`~cwl2dirac.cli.catalog`: ``catalog query|tasks``, ``catalog dataset add|list|show``;
- :mod:`~cwl2dirac.cli.imports`: ``import prodsteps``.

Every command calls the public functions of :mod:`cwl2dirac`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, cast

import click

from cwl2dirac.cli._common import EXIT_INTERRUPTED, EXIT_USAGE, State, handle_errors, show_hint_messages
from cwl2dirac.cli.catalog import catalog_group
from cwl2dirac.cli.compile import compile_cmd, graph, schema, validate
from cwl2dirac.cli.imports import import_group
from cwl2dirac.cli.run import run_command
from cwl2dirac.cli.submit import controller, recover, status, submit


class _Cli(click.Group):
    """A group that, like cwltool, also takes ``cwl2dirac [options] tool.cwl [job.yml]``: that is ``run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in self.commands and "run" in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """click's main, except that a usage error (a missing argument, a bad option value...) is one line on
        stderr, ``cwl2dirac <command>: <what is wrong> (see ... --help)``, and exit code 2."""
        plain = cast(Any, super().main)
        if not standalone_mode:
            return plain(*args, standalone_mode=False, **kwargs)
        try:
            result = plain(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "cwl2dirac"
            message = " ".join(exc.format_message().split()).rstrip(".")
            click.echo(f"{command}: {message} (see {command} --help)", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"cwl2dirac: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(result if isinstance(result, int) else 0)


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
      cwl2dirac import prodsteps prod.yml -o pipeline.cwl  CTADIRAC's ProdSteps as CWL

    As a CWL runner (cwltool's surface), ``cwl2dirac [--outdir DIR] [--quiet] tool.cwl job.yml`` is ``run``.
    """
    State.debug = debug
    show_hint_messages()
    if debug:
        from cwl2dirac.backends.dirac import _boundary

        _boundary.SHOW_DIRAC_MESSAGES = True


for _command in (
    validate, compile_cmd, graph, submit, run_command, status, controller, recover, catalog_group, import_group, schema,
):
    main.add_command(_command)


def entry() -> None:
    """The ``cwl2dirac`` console script: :func:`main`, owning its process (see
    :func:`~cwl2dirac.cli._common.compiling_process`)."""
    State.own_process = True
    try:
        main()
    except SystemExit as exc:
        if not State.fast_exit or not isinstance(exc.code, int | None):
            raise
        from cwl2dirac.backends.dirac import sidecar

        sidecar.stop(kill=True)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): nothing more to say
                stream.flush()
        os._exit(exc.code or 0)


__all__ = ["entry", "handle_errors", "main"]
