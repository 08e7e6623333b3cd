"""The local backend end to end, with real cwltool: chains, grouping, parallelism, retries, carriers, side
inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.local import (
    ADD,
    CAT,
    ECHO,
    FAIL,
    PREFIX,
    WC,
    chain_request,
    dataset,
    executions,
    files,
    query_of,
    request,
    step,
    value,
)

from cwl2dirac.backends.local.catalog import LocalCatalog
from cwl2dirac.backends.local.progress import Progress
from cwl2dirac.backends.local.runner import RunReport, run_request
from cwl2dirac.backends.outputs import collect_outputs
from cwl2dirac.errors import PathEscape
from cwl2dirac.request import InputBinding, ProductionRequest, WorkflowOutputSpec
from cwl2dirac.request.wire import EXIT_DETERMINISTIC


def run(req: ProductionRequest, tmp_path: Path, **kw: Any) -> tuple[RunReport, dict[str, Any]]:
    work = tmp_path / "work"
    report = run_request(req, work, progress=Progress("quiet"), **kw)
    out = collect_outputs(req, LocalCatalog.open(work), tmp_path / "out") if report.complete else {}
    return report, out


def test_three_step_chain(tmp_path: Path, counter: Path) -> None:
    report, out = run(chain_request(counter, n=3), tmp_path, jobs=1)
    assert report.complete and report.exit_code == 0
    assert (report.steps, report.tasks, report.tasks_run) == (3, 7, 7)
    msgs = [f"message number {i}" * (i + 1) for i in range(3)]
    assert out["counts"] == [len(m) + 1 for m in msgs]  # wc -c of "msg\n", gathered in scatter order
    assert Path(out["all"]["path"]).read_text().split() == [str(len(m) + 1) for m in msgs]
    assert [Path(f["path"]).read_text() for f in out["echoed"]] == [m + "\n" for m in msgs]
    assert out["all"]["checksum"].startswith("sha1$") and out["all"]["size"] > 0
    # every output is registered with its step/output metadata and the index of its scatter element
    cat = LocalCatalog.open(tmp_path / "work")
    wc = cat.find({"cwl2dirac_step": "wc", "cwl2dirac_output": "count"})
    assert [f.metadata["cwl2dirac_index"] for f in wc] == [1, 2, 3]
    assert all(f.lfn.startswith("/test/wc/0000000") and f.lfn.endswith("/count.txt") for f in wc)
    assert len(executions(counter)) == 6


def test_rerun_of_a_complete_run_redoes_nothing(tmp_path: Path, counter: Path) -> None:
    req = chain_request(counter, n=2)
    first, out1 = run(req, tmp_path)
    second, out2 = run(req, tmp_path)
    assert first.tasks_run == 5 and second.tasks_run == 0
    assert out1 == out2
    assert len(executions(counter)) == 4


def test_grouping_with_and_without_flush(tmp_path: Path) -> None:
    paths = []
    for i in range(5):
        p = tmp_path / f"in{i}.txt"
        p.write_text(f"file {i}\n")
        paths.append(p)
    ds = dataset("inputs", paths)

    def cat_step(name: str, flush: bool) -> Any:
        return step(
            name,
            CAT,
            [files("files", "_inputs/inputs", array=True)],
            {"out": False},
            input_query=ds.query,
            group_size=2,
            flush=flush,
        )

    req = request(
        [cat_step("flushed", True), cat_step("unflushed", False)],
        [WorkflowOutputSpec(name="f", type="File[]", sources=["flushed/out"], array=True)],
        [ds],
    )
    report, out = run(req, tmp_path)
    assert report.complete
    cat = LocalCatalog.open(tmp_path / "work")
    assert [t.inputs for t in cat.tasks("flushed")] == [
        ["/test/_inputs/inputs/in0.txt", "/test/_inputs/inputs/in1.txt"],
        ["/test/_inputs/inputs/in2.txt", "/test/_inputs/inputs/in3.txt"],
        ["/test/_inputs/inputs/in4.txt"],
    ]
    assert len(cat.tasks("unflushed")) == 2  # the incomplete last group is never submitted
    assert [Path(f["path"]).read_text() for f in out["f"]] == [
        "file 0\nfile 1\n",
        "file 2\nfile 3\n",
        "file 4\n",
    ]
    # a task of several files has index 0; the last group has a single driving file (index 5)
    assert [f.metadata["cwl2dirac_index"] for f in cat.find({"cwl2dirac_step": "flushed"})] == [0, 0, 5]


def test_parallel_tasks(tmp_path: Path) -> None:
    """With 2 jobs, 4 one-second tasks run two at a time: their running intervals overlap, never three at once."""
    clock = tmp_path / "clock.txt"
    tool = {
        "cwlVersion": "v1.2",
        "class": "CommandLineTool",
        "baseCommand": ["sh", "-c", 'echo "start $(date +%s.%N)" >> "$1"; sleep 1; echo "end $(date +%s.%N)" >> "$1"',
                        "timed"],
        "inputs": {"msg": {"type": "string"}, "clock": {"type": "string", "inputBinding": {"position": 1}}},
        "outputs": {},
    }
    s = step(
        "sleepy",
        tool,
        [value("clock", str(clock))],
        {},
        tasks=4,
        task_values={"msg": ["a", "b", "c", "d"]},
        scatter=("msg",),
    )
    report, _ = run(request([s]), tmp_path, jobs=2)
    assert report.complete and report.tasks == 4
    events = sorted((float(t), +1 if kind == "start" else -1)
                    for kind, t in (line.split() for line in clock.read_text().splitlines()))
    running, most = 0, 0
    for _, delta in events:
        running += delta
        most = max(most, running)
    assert most == 2, events


def test_failed_task_is_retried_then_reported_with_its_log(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts.txt"
    bad = step("bad", FAIL, [value("counter", str(attempts))], {"out": False}, tasks=1, max_retries=2)
    after_bad = step(
        "next",
        CAT,
        [files("files", "bad/out", array=True)],
        {"out": False},
        parents=("bad",),
        input_query=query_of("bad/out"),
        group_size=10,
        flush=True,
    )
    req = request([bad, after_bad])
    report, _ = run(req, tmp_path)
    assert not report.complete and report.exit_code == 1
    assert len(attempts.read_text().splitlines()) == 3  # 1 + 2 retries
    [failed] = report.failed
    assert (failed.step, failed.task, failed.attempts) == ("bad", 1, 3)
    assert failed.log is not None and failed.log.endswith("bad/00000001.3.log")
    assert "boom: deliberate failure" in Path(failed.log).read_text()
    assert "next" in report.incomplete  # its parent never completed
    # --retries overrides the step's max_retries; a new invocation retries the failed task (one more attempt here),
    # its attempts counted on from the first invocation's, its log numbered on
    report2, _ = run(req, tmp_path, retries=0)
    assert not report2.complete and report2.failed[0].attempts == 4
    assert report2.failed[0].log is not None and report2.failed[0].log.endswith("bad/00000001.4.log")
    assert len(attempts.read_text().splitlines()) == 4


def test_carrier_values_feed_the_next_step(tmp_path: Path, counter: Path) -> None:
    """An int output (carried as JSON) of one step is an input of the next."""
    s1 = step("echo", ECHO, [value("msg", "twelve chars")], {"out": False}, tasks=1)
    s2 = step(
        "wc",
        WC,
        [files("f", "echo/out")],
        {"count": False, "n": True},
        parents=("echo",),
        input_query=query_of("echo/out"),
    )
    s3 = step(
        "add",
        ADD,
        [files("a", "wc/n", carrier=True), value("b", 100)],
        {"sum": True},
        parents=("wc",),
        input_query=query_of("wc/n"),
    )
    req = request(
        [s1, s2, s3],
        [
            WorkflowOutputSpec(name="sum", type="int", sources=["add/sum"]),
            WorkflowOutputSpec(name="n", type="int", sources=["wc/n"]),
        ],
    )
    report, out = run(req, tmp_path)
    assert report.complete
    assert out == {"sum": 113, "n": 13}


def test_side_input_waits_for_the_after_step(tmp_path: Path) -> None:
    """A model produced by one step is found by query by every task of another (after: [model])."""
    model = step("model", ECHO, [value("msg", "MODEL"), value("sleep", 0.5)], {"out": False}, tasks=1)
    data = step(
        "data", ECHO, [], {"out": False}, tasks=3, task_values={"msg": ["x", "y", "z"]}, scatter=("msg",)
    )
    apply = step(
        "apply",
        PREFIX,
        [InputBinding(port="model", kind="side", query=query_of("model/out")), files("f", "data/out")],
        {"out": False},
        parents=("data",),
        after=("model",),
        input_query=query_of("data/out"),
        scatter=("f",),
    )
    req = request(
        [model, data, apply],
        [WorkflowOutputSpec(name="out", type="File[]", sources=["apply/out"], array=True)],
    )
    report, out = run(req, tmp_path, jobs=2)
    assert report.complete
    assert [Path(f["path"]).read_text() for f in out["out"]] == ["MODEL\nx\n", "MODEL\ny\n", "MODEL\nz\n"]


def test_value_from_and_when(tmp_path: Path) -> None:
    js = [{"class": "InlineJavascriptRequirement"}]
    s = step(
        "echo",
        ECHO,
        [
            InputBinding(port="msg", kind="value", value="abc", value_from="$(self.toUpperCase())"),
            value("n", 0),
        ],
        {"out": False},
        tasks=3,
        task_values={"n": [1, 2, 3]},
        scatter=("n",),
        requirements=js,
        when="$(inputs.n != 2)",
    )
    req = request([s], [WorkflowOutputSpec(name="out", type="File[]", sources=["echo/out"], array=True)])
    report, out = run(req, tmp_path)
    assert report.complete
    texts = [None if f is None else Path(f["path"]).read_text() for f in out["out"]]
    assert texts == ["ABC\n", None, "ABC\n"]  # the skipped scatter element is null, as in CWL


def test_default_when_no_file_matches(tmp_path: Path) -> None:
    s = step(
        "echo",
        ECHO,
        [InputBinding(port="msg", kind="value", value=None, default="fallback", has_default=True)],
        {"out": False},
        tasks=1,
    )
    report, out = run(
        request([s], [WorkflowOutputSpec(name="o", type="File", sources=["echo/out"])]), tmp_path
    )
    assert report.complete and Path(out["o"]["path"]).read_text() == "fallback\n"


def test_missing_parent_step_is_an_error(tmp_path: Path) -> None:
    import pytest

    from cwl2dirac.errors import BackendError

    s = step(
        "x",
        CAT,
        [files("files", "y/out", array=True)],
        {"out": False},
        parents=("y",),
        input_query=query_of("y/out"),
    )
    with pytest.raises(BackendError):
        run(request([s]), tmp_path)


def test_empty_scatter_has_no_task_and_gives_an_empty_array(tmp_path: Path) -> None:
    s = step("echo", ECHO, [], {"out": False}, tasks=0, task_values={"msg": []}, scatter=("msg",))
    after = step(
        "cat",
        CAT,
        [files("files", "echo/out", array=True)],
        {"out": False},
        parents=("echo",),
        input_query=query_of("echo/out"),
        group_size=10,
        flush=True,
    )
    req = request(
        [s, after],
        [
            WorkflowOutputSpec(name="out", type="File[]", sources=["echo/out"], array=True),
            WorkflowOutputSpec(name="all", type="File", sources=["cat/out"]),
        ],
    )
    report, out = run(req, tmp_path)
    assert report.complete and report.tasks == 1
    assert out["out"] == [] and Path(out["all"]["path"]).read_text() == ""


def test_deterministic_failures_are_not_retried(tmp_path: Path) -> None:
    """A task that would fail the same way again (worker exit 34) is reported once, with its reason."""
    js = [{"class": "InlineJavascriptRequirement"}]
    when = step("when", ECHO, [value("msg", "abc")], {"out": False}, tasks=1, requirements=js, when="$(3)")
    valuefrom = step(
        "valuefrom", ECHO, [InputBinding(port="msg", kind="value", value="abc", value_from="$(self.no.such)")],
        {"out": False}, tasks=1, requirements=js,
    )
    report, _ = run(request([when, valuefrom]), tmp_path)
    assert not report.complete
    by_step = {f.step: f for f in report.failed}
    assert {f.attempts for f in report.failed} == {1}  # max_retries 2, none used
    assert {f.exit_code for f in report.failed} == {EXIT_DETERMINISTIC}
    assert by_step["when"].message == "step 'when': 'when' must evaluate to true or false, got 3 (int)"
    assert by_step["valuefrom"].message is not None
    assert by_step["valuefrom"].message.startswith("step 'valuefrom': valueFrom of input 'msg' failed: TypeError")


def test_an_output_path_that_escapes_writes_nothing(tmp_path: Path) -> None:
    """A request whose LFN base climbs out (a hand-edited request file) is refused before its work directory
    exists; the store itself refuses such LFNs too (tests/backends/local/test_catalog.py)."""
    s = step("s", ECHO, [value("msg", "x")], {"out": False}, tasks=1)
    bad = s.model_copy(update={"config": s.config.model_copy(update={"output_path": "/../../escaped"})})
    with pytest.raises(PathEscape, match=r"'\.\.' part"):
        run(request([bad]), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
