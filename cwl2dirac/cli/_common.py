"""What every ``cwl2dirac`` command shares: the error handler, the process state, argument types."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from cwl2dirac.errors import Cwl2DiracError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130
EXIT_USAGE = 2
"""A command line click cannot parse (a missing argument, an option value out of range): click's own code."""


class State:
    """The command process's state (one command per process)."""

    debug = False
    own_process = False  # set by entry(): this process is the cwl2dirac command, not an embedding program
    fast_exit = False  # the command holds nothing that needs the interpreter's teardown


def handle_errors(prefix: str = "") -> Callable[[F], F]:
    """Run a command; a cwl2dirac error becomes one line on stderr (``prefix`` + the error) and its exit code, Ctrl-C
    the line "interrupted" and 130, anything else one "internal error" line (tracebacks with ``--debug``)."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Cwl2DiracError as exc:
                if State.debug:
                    raise
                click.echo(f"{prefix}{exc}", err=True)
                sys.exit(exc.exit_code)
            except KeyboardInterrupt:
                click.echo("interrupted", err=True)
                sys.exit(EXIT_INTERRUPTED)
            except (click.exceptions.ClickException, click.exceptions.Exit):
                raise  # a usage error: click reports it
            except Exception as exc:  # a bug of ours: still one line unless --debug
                if State.debug:
                    raise
                click.echo(
                    f"{prefix}internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                    err=True,
                )
                sys.exit(1)

        return wrapper  # type: ignore[return-value]

    return decorate


HINTS_LOGGER = "cwl2dirac.hints"
"""Where the loader says how it reads hints of other vocabularies (one line each, ``file:line:col: info: ...``)."""


def show_hint_messages(quiet: bool = False) -> None:
    """Print the loader's hint messages on stderr: info lines and warnings (``quiet``: warnings only)."""
    logger = logging.getLogger(HINTS_LOGGER)
    if not any(getattr(h, "_cwl2dirac", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._cwl2dirac = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def compiling_process() -> None:
    """In the ``cwl2dirac`` process itself: import DIRAC in a sidecar while compiling, no cyclic garbage
    collection (a compile makes few cycles, and the process ends with the command), and no interpreter teardown
    at the end (freeing a large request object by object takes a tenth of a second)."""
    if State.own_process:
        from cwl2dirac.backends.dirac import sidecar

        sidecar.start()
        gc.disable()
        State.fast_exit = True


class Document(click.ParamType):
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


def output_file(suffixes: tuple[str, ...] = ()) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option callback checking, before anything is done, that an output file can be written there (its
    directory exists) and, given ``suffixes``, that its suffix is one of them."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return value
        path = Path(str(value))
        if path.is_dir():
            raise click.BadParameter(f"{str(value)!r} is a directory; give a file name")
        if not path.resolve().parent.is_dir():
            raise click.BadParameter(f"cannot write {str(value)!r}: directory {str(path.parent)!r} does not exist")
        if suffixes and path.suffix not in suffixes:
            raise click.BadParameter(f"{str(value)!r}: the suffix must be one of {', '.join(suffixes)}")
        return value

    return check
