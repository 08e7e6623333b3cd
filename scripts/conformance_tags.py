"""Summarise a cwltest JUnit XML by tag: passed / failed / unsupported per tag of conformance_tests.yaml."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import yaml


def load_tests(path: Path) -> list[dict]:
    tests = []
    for entry in yaml.safe_load(path.read_text()):
        if "$import" in entry:
            tests.extend(load_tests(path.parent / entry["$import"]))
        else:
            tests.append(entry)
    return tests


def main(conformance: str, junit: str) -> None:
    tags = {t["id"]: t.get("tags", []) for t in load_tests(Path(conformance))}
    results: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        if case.find("failure") is not None or case.find("error") is not None:
            results[name] = "failed"
        elif case.find("skipped") is not None:
            results[name] = "unsupported"
        else:
            results[name] = "passed"
    totals: dict[str, Counter[str]] = {}
    for test_id, status in results.items():
        for tag in ["all", *tags.get(test_id, [])]:
            totals.setdefault(tag, Counter())[status] += 1
    print("| tag | passed | failed | unsupported |\n| --- | --- | --- | --- |")
    for tag in sorted(totals, key=lambda t: (t != "all", t)):
        c = totals[tag]
        print(f"| {tag} | {c['passed']} | {c['failed']} | {c['unsupported']} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
