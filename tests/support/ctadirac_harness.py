"""Run CTADIRAC's own ``cta-prod-submit NAME CONFIG dry-run`` on ProdSteps files, offline.

This script runs in the separate environment where CTADIRAC 3.1 is installed (never in cwl2dirac's): the tests
start it with that environment's Python. DIRAC's servers are replaced by recorders: ``DIRAC.initialize`` does
nothing, the ProductionManager's RPC records what ``ProductionClient.addProductionStep`` sends (DIRAC's real
client code builds it), and the File Catalog answers every query with no file (datasets with the meta-queries
given in ``--datasets``). Everything else is CTADIRAC's code, unchanged: its ProdSteps parser, its job classes,
its ``build_workflow``.

Usage: python ctadirac_harness.py [--datasets FILE.json] CONFIG.yml... ; prints one JSON object per config:
``CTADIRAC-HARNESS {"config": path, "ok": bool, "error": str, "steps": [what addProductionStep sent]}``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from typing import Any

MARK = "CTADIRAC-HARNESS "
"""The prefix of each result line (DIRAC's own log lines go to the same stream)."""


def _ok(value: Any = None) -> dict[str, Any]:
    return {"OK": True, "Value": value}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", help="JSON: dataset name -> meta-query")
    parser.add_argument("configs", nargs="+")
    args = parser.parse_args()
    datasets: dict[str, Any] = {}
    if args.datasets:
        with open(args.datasets) as fh:
            datasets = json.load(fh)

    sys.argv = [sys.argv[0], "Harness", args.configs[0], "dry-run"]
    import DIRAC

    DIRAC.initialize = lambda *a, **k: None  # no Configuration Server: nothing to contact
    sent: list[dict[str, Any]] = []

    class RecordingRPC:
        def addProductionStep(self, step_dict: dict[str, Any]) -> dict[str, Any]:
            sent.append(dict(step_dict))
            return _ok(len(sent))

    class NoFiles:
        def findFilesByMetadata(self, query: Any, path: str = "/") -> dict[str, Any]:
            return _ok([])

        def getDatasetParameters(self, name: str) -> dict[str, Any]:
            return _ok({"Successful": {name: {"MetaQuery": datasets.get(name, {})}}, "Failed": {}})

    class NoDirectories:
        def __init__(self, *a: Any, **k: Any) -> None:
            pass

        def createMDTopDirectory(self, metadata: str, base: str, category: str) -> dict[str, Any]:
            return _ok(f"{base}/{category}")

    from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

    ProductionClient._getRPC = lambda self, *a, **k: RecordingRPC()  # type: ignore[method-assign]

    from CTADIRAC.Core.Utilities import tool_box
    from CTADIRAC.ProductionSystem.Client import WorkflowElement

    WorkflowElement.FileCatalogClient = NoFiles  # type: ignore[misc,assignment]
    WorkflowElement.get_dataset_MQ = lambda name: dict(datasets.get(name, {}))  # type: ignore[assignment]
    tool_box.FileCatalogClient = NoFiles  # type: ignore[attr-defined]
    from CTADIRAC.ProductionSystem.scripts import cta_prod_submit

    cta_prod_submit.FileCatalog = NoFiles  # type: ignore[attr-defined]
    cta_prod_submit.ProdDataManager = NoDirectories  # type: ignore[attr-defined]

    for config in args.configs:
        sent.clear()
        sys.argv = ["cta-prod-submit", "Harness", config, "dry-run"]
        positional = ["Harness", config, "dry-run"]
        cta_prod_submit.Script.getPositionalArgs = staticmethod(lambda *a, p=positional, **k: list(p))
        out = io.StringIO()
        result: dict[str, Any] = {"config": config, "ok": True, "error": ""}
        try:
            with contextlib.redirect_stdout(out):
                cta_prod_submit.main()
        except SystemExit as exc:
            if exc.code not in (0, None):
                result.update(ok=False, error=f"exit {exc.code}")
        except Exception as exc:  # CTADIRAC raises KeyError & co. on configurations it cannot read
            result.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        result["steps"] = [
            {
                "name": s["name"],
                "parentStep": s["parentStep"],
                "stepType": s["stepType"],
                "groupsize": s["groupsize"],
                "inputquery": json.loads(s["inputquery"]),
                "outputquery": json.loads(s["outputquery"]),
            }
            for s in sent
        ]
        print(MARK + json.dumps(result, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
