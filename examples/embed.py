"""cwl2dirac from another program: compile, inspect, edit a hint, run — the library API only.

    .venv/bin/python examples/embed.py [OUTDIR]

Compiles the CTAO example (ctapipe on the two LST files of examples/data, then a merge), looks at the
production it would be on DIRAC, gives the merge step a higher job priority and a longer CPU time without
touching the CWL files, runs the production here with a backend object configured once, and prints the workflow's
outputs as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import cwl2dirac

HERE = Path(__file__).resolve().parent
PIPELINE = HERE.parent / "cwl" / "workflows" / "process_merge.cwl"
INPUTS = HERE / "process_merge.yml"


def main(outdir: Path) -> int:
    # 1. Compile: the production request, as DIRAC would get it (job templates included).
    request = cwl2dirac.compile(PIPELINE, INPUTS, name="embed_demo")

    # 2. Inspect: one transformation per step, chained by catalog meta-queries.
    for step in request.steps:
        parents = f" <- {', '.join(step.parents)}" if step.parents else ""
        print(f"{step.name}: {step.type}, group size {step.group_size}{parents}", file=sys.stderr)
        print(f"    input query:  {step.input_query}", file=sys.stderr)
        print(f"    output query: {step.output_query}", file=sys.stderr)

    # 3. Edit a hint: the caller's dirac: hints win over the document's, field by field.
    request = cwl2dirac.compile(
        PIPELINE, INPUTS, name="embed_demo", hints={"merge": {"dirac:Job": {"priority": 8, "cpu_time": 7200}}}
    )
    body = request.step("merge").body
    for parameter, value in (("Priority", "8"), ("CPUTime", "7200")):
        assert f'<Parameter name="{parameter}" type="JDL"' in body and f"<![CDATA[{value}]]>" in body
    print("merge: priority 8 and 7200 s of CPU time in its job template", file=sys.stderr)

    # 4. Run it here: the same request DIRAC would run, on a backend configured once. For the grid, the same
    #    call with backend=cwl2dirac.DiracBackend(config_files="dirac.cfg", timeout=3600) (run(..., backend="local",
    #    workdir=...) is the shorthand of this one).
    with tempfile.TemporaryDirectory(prefix="cwl2dirac-embed-") as work:
        backend = cwl2dirac.LocalBackend(workdir=Path(work) / "run", progress="quiet")
        try:
            result = cwl2dirac.run(request, outdir=outdir, backend=backend)
        except cwl2dirac.TaskFailed as exc:  # one line, with the failing task's log
            print(f"embed: {exc}", file=sys.stderr)
            return exc.exit_code
        state = cwl2dirac.status(result.production.id, backend=backend)  # the same object answers later calls
        assert state.complete
    steps = ", ".join(f"{s.name} {sum(s.tasks.values())} task(s)" for s in result.status.steps)
    print(f"ran {steps} in {result.wall:.1f} s", file=sys.stderr)
    print(json.dumps(result.outputs, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd() / "out"))
