"""A configuration of the software release on DIRAC (issue 17, CTADIRAC's ``-c v3/x.yml``): a job-order File at
``software-config:<path>`` is neither uploaded nor registered; the worker finds it after the job's software set-up,
in ``$CTAPIPE_DIR/config`` (the server's stand-in of ``cta-prod-setup-software`` sets it to
``<state>/software/ctapipe``, docs/dirac-server.md). The run's output object is cwltool's with the same file given
by path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from server_support import Server
from support import DATA
from support.outputs import normalise

HERE = DATA / "software_config"
HINT = """hints:
  dirac:Software: {package: ctapipe, version: v0.28.0, category: stage1, compiler: gcc114_default}
"""


def test_a_release_configuration_reaches_the_task_on_dirac(dirac_server: Server, tmp_path: Path) -> None:
    work = tmp_path / "wf"
    shutil.copytree(HERE, work)
    wf = work / "scatter_with_config.cwl"
    text = wf.read_text()
    wf.write_text(text.replace("cwlVersion: v1.2\n", 'cwlVersion: v1.2\n$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}\n'
                               + HINT, 1))
    # the release's configuration, where the stand-in set-up points $CTAPIPE_DIR (a name of this test's own)
    name = f"test-{uuid.uuid4().hex[:8]}/process.yml"
    config = dirac_server.state / "software" / "ctapipe" / "config" / name
    config.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "release" / "config" / "v3" / "process.yml", config)
    (work / "release.yml").write_text((HERE / "release.yml").read_text().replace("v3/process.yml", name))
    env = {k: v for k, v in os.environ.items() if k not in dirac_server.unset} | dirac_server.env
    env.pop("CTAPIPE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "cwl2dirac", "run", "--backend", "dirac", "--name", f"swcfg_{uuid.uuid4().hex[:8]}",
         "--outdir", str(tmp_path / "out"), "--timeout", "600", str(wf), str(work / "release.yml")],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    ref = subprocess.run(
        [str(Path(sys.executable).parent / "cwltool"), "--no-container", "--quiet", "--outdir", str(tmp_path / "ref"),
         str(HERE / "scatter_with_config.cwl"), str(HERE / "local.yml")],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    assert normalise(got) == normalise(json.loads(ref.stdout))
    first = Path(got["results"][0]["location"].removeprefix("file://")).read_text()
    assert first == "a\n" + config.read_text()
