"""``submit``: a production to the configured DIRAC, or what it would send (``--dry-run``)."""

from __future__ import annotations

import json
import sys

import click

import cwl2dirac
from cwl2dirac.cli._common import handle_errors


@click.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option("--dry-run", is_flag=True, help="Print exactly what would be sent to DIRAC; send nothing.")
@click.option("--name", help="Production name (default: the pipeline file's name).")
@handle_errors()
def submit(pipeline: str, inputs: str | None, dry_run: bool, name: str | None) -> None:
    """Submit PIPELINE as a production to the configured DIRAC (or show it with --dry-run)."""
    if dry_run:
        json.dump(cwl2dirac.describe(pipeline, inputs, name=name), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return
    production = cwl2dirac.submit(pipeline, inputs, name=name)
    click.echo(json.dumps(production.__dict__, default=str, indent=2))
