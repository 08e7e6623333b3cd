"""Import + compile of CTADIRAC's largest ProdSteps configuration against CTADIRAC's own dry-run, side by side.

    .venv/bin/python benchmarks/ctadirac.py [--repeat 5] [--config FILE.yml] [--json out.json]

CTADIRAC 3.1 runs in its own environment (made as the tests make it: tests/support/ctadirac.py; a minute or two the
first time). Measured, each as a whole process, ``--repeat`` times (best and median wall time, peak RSS):

- ``cwl2dirac import prodsteps CONFIG -o pipeline.cwl``;
- ``cwl2dirac compile pipeline.cwl [pipeline.yml] -o request.yaml`` (DIRAC job templates and link checks included);
- ``cta-prod-submit NAME CONFIG dry-run``: CTADIRAC's script with DIRAC's servers replaced by recorders
  (tests/support/ctadirac_harness.py: without a DIRAC server that is the only way it runs here), which builds
  every ProductionStep and its job, as a real dry run does before it asks the File Catalog.

The largest configuration CTADIRAC ships (by entries, then lines) is chosen unless ``--config`` names one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.ctadirac import HARNESS, ctadirac_python, shipped_configs  # noqa: E402

CLI = Path(sys.executable).with_name("cwl2dirac")


def _measure(command: list[str], repeat: int, env: dict[str, str] | None = None) -> dict[str, float]:
    walls, rss = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        rss.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            raise SystemExit(f"failed: {' '.join(command)}: {err}")
    return {"best": min(walls), "median": statistics.median(walls), "rss_mb": max(rss)}


def _largest(configs: list[Path]) -> Path:
    def size(path: Path) -> tuple[int, int]:
        return len(yaml.safe_load(path.read_text())["ProdSteps"]), len(path.read_text().splitlines())

    return max(configs, key=size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    python = ctadirac_python()
    config = args.config or _largest(shipped_configs(python))
    entries = len(yaml.safe_load(config.read_text())["ProdSteps"])
    print(f"CTADIRAC ProdSteps benchmark, {time.strftime('%Y-%m-%dT%H:%M:%S')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"config: {config} ({entries} entries, {len(config.read_text().splitlines())} lines), repeat {args.repeat}")

    with tempfile.TemporaryDirectory(prefix="cwl2dirac-bench-") as tmp:
        pipeline = Path(tmp) / "pipeline.cwl"
        configs = Path(tmp) / "config"
        importing = [str(CLI), "import", "prodsteps", str(config), "-o", str(pipeline), "--config-dir", str(configs)]
        imported = _measure(importing, args.repeat)
        job = pipeline.with_suffix(".yml")
        compiling = [str(CLI), "compile", str(pipeline), *([str(job)] if job.exists() else []), "-o",
                     str(Path(tmp) / "request.yaml")]
        compiled = _measure(compiling, args.repeat)
        steps = len(yaml.safe_load((Path(tmp) / "request.yaml").read_text())["steps"])
        env = {**os.environ, "DIRAC_ROOT_PATH": str(python.parent.parent)}
        dry_run = _measure([str(python), str(HARNESS), str(config)], args.repeat, env)

    total_best = imported["best"] + compiled["best"]
    total_median = imported["median"] + compiled["median"]
    rows = [
        ("cwl2dirac import prodsteps", imported),
        (f"cwl2dirac compile ({steps} steps)", compiled),
        ("import + compile", {"best": total_best, "median": total_median,
                              "rss_mb": max(imported["rss_mb"], compiled["rss_mb"])}),
        ("cta-prod-submit ... dry-run", dry_run),
    ]
    print(f"{'process':34} {'best':>9} {'median':>9} {'peak RSS':>9}")
    for name, m in rows:
        print(f"{name:34} {m['best']:8.2f}s {m['median']:8.2f}s {m['rss_mb']:7.0f}MB")
    print(f"ratio (import + compile) / dry-run, medians: {total_median / dry_run['median']:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"config": str(config), "entries": entries, "steps": steps,
                                         "rows": {n: m for n, m in rows}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
