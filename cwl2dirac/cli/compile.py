"""``validate``, ``compile``, ``graph``, ``schema``: the compiler's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

import cwl2dirac
from cwl2dirac.cli._common import compiling_process, handle_errors, output_file
from cwl2dirac.cli._hints import gather, hint_options
from cwl2dirac.errors import BackendError


@click.command()
@click.argument("pipeline")
@click.argument("inputs", required=False)
@hint_options
@handle_errors()
def validate(pipeline: str, inputs: str | None, hint: tuple[Any, ...], hints_file: Any) -> None:
    """Check PIPELINE (and INPUTS): load, types, graph, mapping to DIRAC. Prints the steps."""
    compiling_process()
    request = cwl2dirac.compile(pipeline, inputs, hints=gather(hint, hints_file))
    click.echo(f"{request.source}: valid, {len(request.steps)} step(s)")
    for step in request.steps:
        parents = f" <- {', '.join(step.parents)}" if step.parents else ""
        click.echo(f"  {step.name}: {step.type}, group size {step.group_size}{parents}")


@click.command(name="compile")
@click.argument("pipeline")
@click.argument("inputs", required=False)
@click.option(
    "-o", "--output", callback=output_file(),
    help="Write the request here (.yaml/.yml or .json); default: stdout (YAML).",
)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "prodsteps"]), default=None,
              help="Output format (default: from the file suffix, else YAML). prodsteps: CTADIRAC's ProdSteps YAML.")
@click.option("--name", help="Production name (default: the pipeline file's name).")
@click.option("--config-dir", default=None,
              help="prodsteps: write configuration files (-c) relative to this directory (the software's; "
              "default: $CTAPIPE_DIR/config, else their names).")
@hint_options
@handle_errors()
def compile_cmd(
    pipeline: str, inputs: str | None, output: str | None, fmt: str | None, name: str | None, config_dir: str | None,
    hint: tuple[Any, ...], hints_file: Any,
) -> None:
    """Compile PIPELINE (with optional INPUTS) into a production request.

    --format prodsteps writes CTADIRAC's ProdSteps YAML, which cta-prod-submit reads; what ProdSteps cannot say
    (several parents, side inputs from other steps, tools of no CTADIRAC job type) is refused with exit code 33.
    """
    compiling_process()
    request = cwl2dirac.compile(pipeline, inputs, name=name, hints=gather(hint, hints_file))
    if fmt is None:
        fmt = "json" if output and output.endswith(".json") else "yaml"
    if fmt == "prodsteps":
        import os

        from cwl2dirac.export.prodsteps import to_prodsteps_yaml

        if config_dir is None and os.environ.get("CTAPIPE_DIR"):
            config_dir = os.path.join(os.environ["CTAPIPE_DIR"], "config")
        text = to_prodsteps_yaml(request, config_dir)
    else:
        text = request.to_json() if fmt == "json" else request.to_yaml()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output} ({len(request.steps)} step(s))", err=True)
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("pipeline", required=False)
@click.argument("inputs", required=False)
@click.option(
    "-o", "--output", required=True, callback=output_file((".svg", ".png", ".pdf", ".dot")),
    help="Picture to write: .svg, .png, .pdf or .dot.",
)
@click.option("--status", "production", default=None, metavar="PRODUCTION",
              help="Draw where PRODUCTION stands instead (a local run's work directory or name, a DIRAC production's "
                   "id or name): each step coloured by its state.")
@click.option("--backend", type=click.Choice(["local", "dirac"]), default=None,
              help="With --status: where PRODUCTION is, when a name could be both.")
@click.option("--dirac-cfg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --status: a DIRAC configuration file.")
@hint_options
@handle_errors()
def graph(
    pipeline: str | None, inputs: str | None, output: str, production: str | None, backend: str | None,
    dirac_cfg: Path | None, hint: tuple[Any, ...], hints_file: Any,
) -> None:
    """Draw the production of PIPELINE: steps with types, group sizes and input queries.

    With --status PRODUCTION (and no PIPELINE): the production as it stands, each step coloured by its state
    (complete green, running blue, waiting grey, failed red) with its tasks done.
    """
    from cwl2dirac.export.graph import write_graph

    if production is not None:
        if pipeline is not None:
            raise click.UsageError("give either PIPELINE or --status PRODUCTION, not both")
        if hint or hints_file is not None:
            raise click.UsageError("--hint and --hints apply to PIPELINE, not to --status PRODUCTION")
        chosen: Any = backend
        state = cwl2dirac.status(production, backend=chosen, dirac_cfg=dirac_cfg)
        if state.request is None:
            raise BackendError(f"production '{production}': its request is not known, so it cannot be drawn")
        write_graph(state.request, output, {s.name: s for s in state.steps})
    elif pipeline is None:
        raise click.UsageError("give PIPELINE (or --status PRODUCTION)")
    else:
        write_graph(cwl2dirac.compile(pipeline, inputs, bodies=False, hints=gather(hint, hints_file)), output)
    click.echo(f"wrote {output}", err=True)


@click.command()
@click.argument("what", type=click.Choice(["hints", "request"]))
def schema(what: str) -> None:
    """Print the JSON schema of the dirac: hints or of the production request."""
    if what == "hints":
        from cwl2dirac.loader.hints import json_schema

        click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
    else:
        from cwl2dirac.request import request_json_schema

        click.echo(json.dumps(request_json_schema(), indent=2, sort_keys=True))
