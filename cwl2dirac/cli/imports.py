"""``import``: productions written for other tools, as CWL workflows (``import prodsteps``: CTADIRAC's)."""

from __future__ import annotations

from pathlib import Path

import click

from cwl2dirac.cli._common import handle_errors


@click.group("import")
def import_group() -> None:
    """Turn productions written for other tools into CWL workflows of the CTAO library."""


@import_group.command("prodsteps")
@click.argument("prodsteps", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CWL workflow to write (its job order, when it needs one, goes beside it as .yml).")
@click.option("--library", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The CTAO CWL library (default: $CWL2DIRAC_LIBRARY, else this checkout's cwl/, else the one "
              "installed with cwl2dirac).")
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The directory of your own configurations that job_config.options name (-c v3/x.yml), "
              "uploaded with the production (default: those of the ctapipe release on the worker, as CTADIRAC).")
@handle_errors()
def import_prodsteps_cmd(prodsteps: Path, output: Path, library: Path | None, config_dir: Path | None) -> None:
    """Import CTADIRAC's ProdSteps YAML PRODSTEPS (cta-prod-submit's workflow description) as a CWL workflow.

    \b
    Each entry becomes the CTAO library tool of its job_config.type, with the hints that make cwl2dirac build
    the transformation CTADIRAC builds (type, group size, parent, input and output metadata). A type without
    a library tool is refused with exit code 33; an unknown key is an error.
    """
    from cwl2dirac.importers.prodsteps import import_prodsteps

    imported = import_prodsteps(prodsteps, output, library=library, config_dir=config_dir)
    for message in imported.messages:
        click.echo(message, err=True)
    written = imported.write(output)
    click.echo(f"wrote {', '.join(str(p) for p in written)} ({imported.steps} ProdSteps entries)", err=True)
