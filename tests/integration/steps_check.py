"""Run in a fresh process with a DIRAC server's client environment (and that server's own Python, e.g. DIRAC 9.1.9's
venv): submit a production with every step held (nothing runs), then read every production step back from the
ProductionDB and say, field by field, whether it is what was sent.

    python steps_check.py WORKFLOW JOB_ORDER NAME ROOT

Prints one JSON line: the server's DIRAC version as cwl2dirac reads it, the DIRAC version of this client, and per
step the fields whose stored value differs from what was meant (``[meant, stored]``), empty when all are intact.
"""

from __future__ import annotations

import ast
import json
import sys
from typing import Any

COLUMNS = ["StepID", "Name", "Description", "LongDescription", "Body", "Type", "Plugin", "AgentType", "GroupSize",
           "InputQuery", "OutputQuery", "LastUpdate", "InsertedTime"]
"""ProductionDB.PRODSTEPSPARAMS: the columns of a row of getProductionStep."""
MEANT = {"Name": "Name", "Description": "Description", "LongDescription": "LongDescription", "Body": "Body",
         "Type": "Type", "Plugin": "Plugin", "AgentType": "AgentType", "GroupSize": "GroupSize",
         "InputQuery": "Inputquery", "OutputQuery": "Outputquery"}
"""Stored column → the ``ProductionStep`` attribute it must equal: what cwl2dirac meant (the job template's XML
itself for the body, not its JSON text, which DIRAC's client sends and 9.1.9's SQL decodes)."""


def _query(value: Any) -> Any:
    """A meta-query as data, no query (None, ``null``: a step without input) as ``{}``."""
    if isinstance(value, dict) or value in (None, ""):
        return value or {}
    try:
        return json.loads(value) or {}
    except ValueError:
        return ast.literal_eval(str(value)) or {}


def main(workflow: str, job: str, name: str, root: str) -> dict[str, Any]:
    import DIRAC

    import cwl2dirac
    from cwl2dirac.backends.dirac import _boundary
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.submission import Submission, fingerprint, production_steps

    clients = DiracClients()
    clients.initialize()
    server_version = clients.production_version()
    hints = {"*": {"dirac:Job": {"output_path": root}}}
    request = cwl2dirac.compile(workflow, None if job == "-" else job, name=name, hints=hints)
    steps = production_steps(request, fingerprint(request))
    for ps in steps:
        ps.AgentType = "Manual"  # held: nothing runs
    submission = Submission(request, clients, steps)
    submission.declare_fields()
    submission.establish(None)
    meant = {ps.Name: ps for ps in steps}  # renamed Step<n>_… when sent
    manager = clients.production()
    production = _boundary.ok(manager.getProduction(name), "getProduction")
    description = json.loads(production["Description"])
    differences: dict[str, dict[str, list[Any]]] = {}
    for step_name, step in description.items():
        row = dict(zip(COLUMNS, _boundary.ok(manager.getProductionStep(int(step["stepID"])), "getProductionStep"),
                       strict=True))
        ps = meant[step_name]
        diff = {}
        for column, attribute in MEANT.items():
            stored, wanted = row[column], getattr(ps, attribute)
            if column in ("InputQuery", "OutputQuery"):
                stored, wanted = _query(stored), _query(wanted)
            elif column == "GroupSize":
                stored, wanted = int(stored), int(wanted)
            if stored != wanted:
                diff[column] = [wanted, stored]
        differences[step_name] = diff
    return {"server_version": server_version, "client_version": DIRAC.version, "steps": differences,
            "transformations": len(submission.transformations(int(production["ProductionID"])))}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5]), default=str))
