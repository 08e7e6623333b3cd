"""Run inside a DIRAC job of the integration test production (tests/integration/dirac_client.py)::

    python job_step.py RUN STEP TRANSFORMATION_ID TASK_ID

Checks that the task's InputData were downloaded into the working directory, then registers one output (LFN
``/cwl2dirac/itest/RUN/step<STEP+1>/<transformation>_<task>.txt``) with ``itest_level = STEP + 1``: what the next
step's input query selects.
"""

from __future__ import annotations

import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path


def call(func, *args):
    """A DIRAC call, once (see dirac_client.call)."""
    return func(*args)


def main() -> int:
    run, step, trans_id, task_id = sys.argv[1:5]
    import DIRAC

    DIRAC.initialize()
    from DIRAC.DataManagementSystem.Client.DataManager import DataManager
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    # The task's input LFNs are in the job description (InputData parameter)
    lfns: list[str] = []
    for param in ET.parse("jobDescription.xml").getroot().iter("Parameter"):
        if param.get("name") == "InputData":
            value = (param.findtext("value") or "").strip()
            lfns = [x for x in value.replace(",", ";").split(";") if x.strip()]
    print(f"cwd={os.getcwd()} files={sorted(os.listdir('.'))}")
    print(f"transformation={trans_id} task={task_id} JOBID={os.environ.get('JOBID')} InputData={lfns}")
    missing = [lfn for lfn in lfns if not Path(os.path.basename(lfn)).is_file()]
    if not lfns or missing:
        print(f"input data not downloaded: {missing or 'no InputData'}")
        return 1
    # What a job of a data-driven transformation should do: mark its input files Processed
    from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

    res = call(TransformationClient().setFileStatusForTransformation, int(trans_id), "Processed", lfns)
    if not res["OK"]:
        print(f"setFileStatusForTransformation failed: {res['Message']}")
        return 1
    if int(step) >= 2:
        return 0
    lfn = f"/cwl2dirac/itest/{run}/step{int(step) + 1}/{trans_id}_{task_id}.txt"
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp, os.path.basename(lfn))
        local.write_text(f"output of {trans_id}/{task_id} from {lfns}\n")
        res = call(DataManager().putAndRegister, lfn, str(local), "LOCAL-DISK")
        if not res["OK"] or lfn not in res["Value"]["Successful"]:
            print(f"putAndRegister failed: {res}")
            return 1
    fc = FileCatalog()
    for path, meta in ((os.path.dirname(lfn), {"itest_run": run}), (lfn, {"itest_level": int(step) + 1})):
        res = call(fc.setMetadata, path, meta)
        if not res["OK"]:
            print(f"setMetadata {path} failed: {res['Message']}")
            return 1
    print(f"registered {lfn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
