"""Summarise a cwltest JUnit XML by tag: passed / failed / unsupported per tag (cwltest writes the tags of each
test in the ``class`` attribute of its testcase)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter


def main(junit: str) -> None:
    totals: dict[str, Counter[str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            status = "failed"
        elif case.find("skipped") is not None:
            status = "unsupported"
        else:
            status = "passed"
        tags = [t.strip() for t in (case.get("class") or "").split(",") if t.strip()]
        for tag in ["all", *tags]:
            totals.setdefault(tag, Counter())[status] += 1
    print("| tag | passed | failed | unsupported |\n| --- | --- | --- | --- |")
    for tag in sorted(totals, key=lambda t: (t != "all", t)):
        c = totals[tag]
        print(f"| {tag} | {c['passed']} | {c['failed']} | {c['unsupported']} |")


if __name__ == "__main__":
    main(sys.argv[-1])
