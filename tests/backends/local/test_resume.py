"""Kill -9 a run in the middle, start the same command again: it finishes without redoing completed tasks,
with the same outputs as an uninterrupted run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from support.local import chain_request, executions
from support.outputs import normalise

from cwl2dirac.backends.local.catalog import DONE, LocalCatalog


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cwl2dirac", "run", *args]


def test_resume_after_sigkill(tmp_path: Path) -> None:
    counter = tmp_path / "counter.txt"
    req_file = tmp_path / "request.json"
    req_file.write_text(chain_request(counter, n=6, sleep=0.4).to_json())
    work, out = tmp_path / "work", tmp_path / "out"
    cmd = cli(str(req_file), "--workdir", str(work), "--outdir", str(out), "-j", "1", "--quiet")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(executions(counter)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # somewhere inside a task
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its task processes
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    cat = LocalCatalog(work)
    done_before = {(t.step, t.task) for t in cat.tasks() if t.status == DONE}
    assert 2 <= len(done_before) < 12, done_before
    lines_before = Counter(executions(counter))
    cat.close()

    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    resumed = json.loads(result.stdout)

    # every task ran; tasks completed before the kill were not run again
    counts = Counter(executions(counter))
    echo_msgs = [f"message number {i}" * (i + 1) for i in range(6)]
    assert set(echo_msgs) <= set(counts)
    for line, n in counts.items():
        assert n - lines_before.get(line, 0) <= 1, line  # at most one more run (the one that was killed)
    cat = LocalCatalog(work)
    for t in cat.tasks():
        if (t.step, t.task) in done_before:
            assert t.attempts == 1, t
    done_echo = [t.task for t in cat.tasks("echo") if ("echo", t.task) in done_before]
    for task in done_echo:
        assert counts[echo_msgs[task - 1]] == 1

    # identical outputs to an uninterrupted run
    counter2 = tmp_path / "counter2.txt"
    ref_file = tmp_path / "ref.json"
    ref_file.write_text(req_file.read_text().replace(str(counter), str(counter2)))
    ref = subprocess.run(
        cli(
            str(ref_file),
            "--workdir",
            str(tmp_path / "work2"),
            "--outdir",
            str(tmp_path / "out2"),
            "-j",
            "2",
            "--quiet",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ref.returncode == 0, ref.stderr
    assert normalise(resumed) == normalise(json.loads(ref.stdout))
    assert len(resumed["counts"]) == 6


def _running_pids(work: Path) -> dict[str, int]:
    """Task (``<step>/<task>``) → the pool process running it (the pid file ``pool.execute`` writes beside the
    task's directory)."""
    out = {}
    for pid_file in (work / "tasks").glob("*/*.pid"):
        with contextlib.suppress(OSError, ValueError):
            out[f"{pid_file.parent.name}/{pid_file.stem}"] = int(pid_file.read_text())
    return out


@pytest.mark.parametrize("attempts", [1, 2])
def test_one_task_process_killed_alone(tmp_path: Path, attempts: int) -> None:
    """One pool process SIGKILLed while two tasks run (the OOM killer, an operator): the task it ran fails (or is
    retried, by the policy); the other task, whose process the pool stops with it, is run again without its
    attempt counted — with one attempt each, it still completes. The outputs are those of an uninterrupted run."""
    counter = tmp_path / "counter.txt"
    req_file = tmp_path / "request.json"
    # two echo tasks run at once, long enough (8 s each) that both are still running when one of them is killed
    req_file.write_text(chain_request(counter, n=2, sleep=8).to_json())
    work, out = tmp_path / "work", tmp_path / "out"
    cmd = cli(str(req_file), "--workdir", str(work), "--outdir", str(out), "-j", "2", "--max-attempts",
              str(attempts))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(running := _running_pids(work)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(running) == 2, running
    first = min(path.stat().st_mtime for path in (work / "tasks").glob("*/*.pid"))
    assert time.time() - first < 6, "the second task started too late to be running with the first"
    victim_task, victim_pid = sorted(running.items())[0]
    os.kill(victim_pid, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=180)
    victim = int(victim_task.split("/")[1])

    cat = LocalCatalog(work)
    tasks = {t.task: t for t in cat.tasks("echo")}
    assert "interrupted (another task's process died)" in stderr, stderr
    if attempts == 1:
        assert proc.returncode == 1, stderr
        assert f"echo task {victim}" in stderr and "its process was killed (SIGKILL" in stderr, stderr
        assert [t.task for t in tasks.values() if t.status != DONE] == [victim], tasks  # the other one completed
        return
    assert proc.returncode == 0, stderr
    assert tasks[victim].attempts == 2 and "its process was killed (SIGKILL" in stderr, (tasks, stderr)
    assert all(t.status == DONE for t in cat.tasks()), list(cat.tasks())
    ref = subprocess.run(cli(str(req_file), "--workdir", str(tmp_path / "work2"),
                             "--outdir", str(tmp_path / "out2"), "-j", "2", "--quiet"),
                         capture_output=True, text=True, timeout=180)
    assert ref.returncode == 0, ref.stderr
    assert normalise(json.loads(stdout)) == normalise(json.loads(ref.stdout))
