"""Small real CWL tools and hand-built production requests (following the request contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cwl2dirac.request import (
    FIELD_INDEX,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_STEP,
    InputBinding,
    InputDataset,
    InputFile,
    OutputBinding,
    OutputSpec,
    ProductionRequest,
    StepConfig,
    StepSpec,
    WorkflowOutputSpec,
)

PROD = "test"

# Each tool appends a line to the file named by its `counter` input (if any), to count executions.
ECHO: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["sh", "-c", 'if [ -n "$1" ]; then echo "$0" >> "$1"; fi; sleep "$2"; echo "$0"'],
    "inputs": {
        "msg": {"type": "string", "inputBinding": {"position": 1}},
        "counter": {"type": "string", "default": "", "inputBinding": {"position": 2}},
        "sleep": {"type": "float", "default": 0, "inputBinding": {"position": 3}},
    },
    "outputs": {"out": {"type": "stdout"}},
    "stdout": "echo.txt",
}

WC: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "requirements": [{"class": "InlineJavascriptRequirement"}],
    "baseCommand": ["sh", "-c", 'if [ -n "$1" ]; then echo "$0" >> "$1"; fi; sleep "$2"; wc -c < "$0"'],
    "inputs": {
        "f": {"type": "File", "inputBinding": {"position": 1}},
        "counter": {"type": "string", "default": "", "inputBinding": {"position": 2}},
        "sleep": {"type": "float", "default": 0, "inputBinding": {"position": 3}},
    },
    "outputs": {
        "count": {"type": "File", "outputBinding": {"glob": "count.txt"}},
        "n": {
            "type": "int",
            "outputBinding": {
                "glob": "count.txt",
                "loadContents": True,
                "outputEval": "$(parseInt(self[0].contents))",
            },
        },
    },
    "stdout": "count.txt",
}

CAT: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["cat"],
    "inputs": {"files": {"type": "File[]", "inputBinding": {"position": 1}}},
    "outputs": {"out": {"type": "stdout"}},
    "stdout": "all.txt",
}

ADD: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "ExpressionTool",
    "requirements": [{"class": "InlineJavascriptRequirement"}],
    "inputs": {"a": "int", "b": "int"},
    "outputs": {"sum": "int"},
    "expression": "$({'sum': inputs.a + inputs.b})",
}

FAIL: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["sh", "-c", 'echo "attempt" >> "$0"; echo "boom: deliberate failure" >&2; exit 3'],
    "inputs": {"counter": {"type": "string", "inputBinding": {"position": 1}}},
    "outputs": {"out": {"type": "stdout"}},
}

PREFIX: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["sh", "-c", 'cat "$0" "$1"'],
    "inputs": {
        "model": {"type": "File", "inputBinding": {"position": 1}},
        "f": {"type": "File", "inputBinding": {"position": 2}},
    },
    "outputs": {"out": {"type": "stdout"}},
    "stdout": "prefixed.txt",
}


def out_meta(step: str, port: str) -> dict[str, Any]:
    return {FIELD_PRODUCTION: PROD, FIELD_STEP: step, FIELD_OUTPUT: port}


def query_of(*sources: str) -> dict[str, Any]:
    steps = sorted({s.rsplit("/", 1)[0] for s in sources})
    outs = sorted({s.rsplit("/", 1)[1] for s in sources})
    return {
        FIELD_PRODUCTION: PROD,
        FIELD_STEP: steps[0] if len(steps) == 1 else {"in": steps},
        FIELD_OUTPUT: outs[0] if len(outs) == 1 else {"in": outs},
    }


def step(
    name: str,
    tool: dict[str, Any],
    inputs: list[InputBinding],
    outputs: dict[str, bool],
    *,
    parents: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    input_query: dict[str, Any] | None = None,
    tasks: int | None = None,
    group_size: int = 1,
    flush: bool = False,
    task_values: dict[str, list[Any]] | None = None,
    scatter: tuple[str, ...] = (),
    max_retries: int = 2,
    requirements: list[dict[str, Any]] | None = None,
    when: str | None = None,
) -> StepSpec:
    """A step following the contract: outputs tagged with production/step/output."""
    obs = [
        OutputBinding(port=p, type="int" if c else "File", carrier=c, metadata=out_meta(name, p))
        for p, c in outputs.items()
    ]
    config = StepConfig(
        production=PROD,
        step=name,
        tool=tool,
        requirements=requirements or [],
        inputs=inputs,
        outputs=obs,
        scatter=list(scatter),
        task_values=task_values,
        when=when,
        output_path=f"/{PROD}/{name}",
    )
    return StepSpec(
        name=name,
        dirac_name=name.replace("/", "_"),
        type="DataReprocessing" if input_query else "MCSimulation",
        group_size=group_size,
        parents=list(parents),
        after=list(after),
        input_query=input_query,
        output_query={FIELD_PRODUCTION: PROD, FIELD_STEP: name},
        tasks=tasks,
        flush=flush,
        max_retries=max_retries,
        outputs=[OutputSpec(port=o.port, type=o.type, metadata=o.metadata) for o in obs],
        config=config,
        body="",
    )


def request(
    steps: list[StepSpec],
    outputs: list[WorkflowOutputSpec] | None = None,
    inputs: list[InputDataset] | None = None,
) -> ProductionRequest:
    return ProductionRequest(
        name=PROD,
        source="test.cwl",
        cwl_version="v1.2",
        metadata_fields={
            FIELD_PRODUCTION: "VARCHAR(128)",
            FIELD_STEP: "VARCHAR(128)",
            FIELD_OUTPUT: "VARCHAR(128)",
            FIELD_INDEX: "INT",
        },
        inputs=inputs or [],
        steps=steps,
        outputs=outputs or [],
    )


def dataset(name: str, paths: list[Path]) -> InputDataset:
    files = [
        InputFile(
            location=str(p),
            metadata={FIELD_PRODUCTION: PROD, FIELD_STEP: "_inputs", FIELD_OUTPUT: name, FIELD_INDEX: i + 1},
        )
        for i, p in enumerate(paths)
    ]
    return InputDataset(
        name=name,
        query={FIELD_PRODUCTION: PROD, FIELD_STEP: "_inputs", FIELD_OUTPUT: name},
        files=files,
        array=True,
    )


def value(port: str, v: Any) -> InputBinding:
    return InputBinding(port=port, kind="value", value=v)


def files(port: str, *sources: str, array: bool = False, carrier: bool = False) -> InputBinding:
    return InputBinding(port=port, kind="files", sources=list(sources), array=array, carrier=carrier)


def chain_request(counter: Path, n: int = 3, sleep: float = 0.0) -> ProductionRequest:
    """echo (n tasks, scattered over messages) → wc (one task per file) → cat (gathers all counts)."""
    msgs = [f"message number {i}" * (i + 1) for i in range(n)]
    s1 = step(
        "echo",
        ECHO,
        [value("counter", str(counter)), value("sleep", sleep)],
        {"out": False},
        tasks=n,
        task_values={"msg": msgs},
        scatter=("msg",),
    )
    s2 = step(
        "wc",
        WC,
        [files("f", "echo/out"), value("counter", str(counter)), value("sleep", sleep)],
        {"count": False, "n": True},
        parents=("echo",),
        input_query=query_of("echo/out"),
        scatter=("f",),
    )
    s3 = step(
        "cat",
        CAT,
        [files("files", "wc/count", array=True)],
        {"out": False},
        parents=("wc",),
        input_query=query_of("wc/count"),
        group_size=1000,
        flush=True,
    )
    outs = [
        WorkflowOutputSpec(name="all", type="File", sources=["cat/out"]),
        WorkflowOutputSpec(name="counts", type="int[]", sources=["wc/n"], array=True),
        WorkflowOutputSpec(name="echoed", type="File[]", sources=["echo/out"], array=True),
    ]
    return request([s1, s2, s3], outs)


def executions(counter: Path) -> list[str]:
    return counter.read_text().splitlines() if counter.exists() else []
