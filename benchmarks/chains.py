"""The benchmark chains: N steps that all ``run:`` one tool file (shared by compile.py and local_run.py)."""

from __future__ import annotations

from pathlib import Path

CAT_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: Copies its input to stdout (the one tool file every step of the benchmark chains runs).
baseCommand: cat
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
outputs:
  out:
    type: stdout
stdout: out.txt
"""


def write_chain(directory: Path, n: int) -> Path:
    """``chain_N.cwl``: N steps, each running ``cat.cwl`` on the previous step's output."""
    (directory / "cat.cwl").write_text(CAT_TOOL, encoding="utf-8")
    lines = [
        "cwlVersion: v1.2",
        "class: Workflow",
        f"doc: Chain of {n} steps, each running the same tool file (cwl2dirac benchmark).",
        "inputs:",
        "  infile: File",
        "outputs:",
        "  result:",
        "    type: File",
        f"    outputSource: s{n}/out",
        "steps:",
    ]
    for i in range(1, n + 1):
        source = "infile" if i == 1 else f"s{i - 1}/out"
        lines += [f"  s{i}:", "    run: cat.cwl", "    in:", f"      infile: {source}", "    out: [out]"]
    path = directory / f"chain_{n}.cwl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
