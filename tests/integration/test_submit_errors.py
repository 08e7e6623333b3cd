"""What a submission says when something is missing: one line naming it and what to do, exit 1, nothing created.

Each case takes the local server's working client environment and breaks one thing of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from server_support import Server

REPO = Path(__file__).resolve().parents[2]
ENGINES = REPO / "tests" / "data" / "engines"


def submit(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwl2dirac", "submit", "--name", f"err_{uuid.uuid4().hex[:6]}", *args],
        env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
    )


def client_env(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    return env


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def _cfg_with(server: Server, tmp_path: Path, old: str, new: str) -> str:
    text = Path(server.env["DIRACSYSCONFIG"]).read_text()
    assert old in text
    cfg = tmp_path / "dirac.cfg"
    cfg.write_text(text.replace(old, new))
    return str(cfg)


CHAIN = [str(ENGINES / "chain.cwl"), str(ENGINES / "chain.yml")]


def test_no_configuration(dirac_server: Server, tmp_path: Path) -> None:
    env = client_env(dirac_server)
    del env["DIRACSYSCONFIG"]
    env["DIRAC_ROOT_PATH"] = str(tmp_path / "nothing")
    line = one_line(submit(env, tmp_path, *CHAIN))
    assert "no DIRAC configuration" in line and "--dirac-cfg" in line


def test_a_missing_dirac_cfg_option(dirac_server: Server, tmp_path: Path) -> None:
    line = one_line(submit(client_env(dirac_server), tmp_path, "--dirac-cfg", str(tmp_path / "none.cfg"), *CHAIN))
    assert "none.cfg does not exist" in line


def test_unreachable_configuration_server(dirac_server: Server, tmp_path: Path) -> None:
    env = client_env(dirac_server)
    text = Path(env["DIRACSYSCONFIG"]).read_text()
    url = text.split("Servers = ", 1)[1].split()[0]  # the cfg names the CS: point it at a closed port
    env["DIRACSYSCONFIG"] = _cfg_with(dirac_server, tmp_path, url, "dips://localhost:1/Configuration/Server")
    line = one_line(submit(env, tmp_path, *CHAIN))
    assert "cannot reach the DIRAC Configuration Server dips://localhost:1" in line


def test_missing_ca_directory(dirac_server: Server, tmp_path: Path) -> None:
    env = client_env(dirac_server)
    text = Path(env["DIRACSYSCONFIG"]).read_text()
    security = text[text.index("  Security"):text.index("}", text.index("  Security")) + 1]
    cfg = tmp_path / "dirac.cfg"
    cfg.write_text(text.replace(security, ""))
    env["DIRACSYSCONFIG"] = str(cfg)
    env["DIRAC_ROOT_PATH"] = str(tmp_path)  # (DIRAC also looks in <root>/etc/grid-security/certificates)
    env["X509_CERT_DIR"] = str(tmp_path / "no-certificates")
    line = one_line(submit(env, tmp_path, *CHAIN))
    assert "no CA certificates" in line and "X509_CERT_DIR" in line


@pytest.mark.parametrize("proxy", ["missing", "garbage"])
def test_missing_or_unreadable_proxy(dirac_server: Server, tmp_path: Path, proxy: str) -> None:
    env = client_env(dirac_server)
    path = tmp_path / "x509up"
    if proxy == "garbage":
        path.write_text("not a proxy\n")
        path.chmod(0o600)
    env["X509_USER_PROXY"] = str(path)
    line = one_line(submit(env, tmp_path, *CHAIN))
    assert "proxy" in line and "dirac-proxy-init" in line


def test_expired_proxy(dirac_server: Server, tmp_path: Path) -> None:
    """A proxy of the server's user that was valid for one second."""
    env = client_env(dirac_server)
    proxy = tmp_path / "x509up"
    user = dirac_server.state / "user"
    make = (
        "import sys, time\n"
        "from DIRAC.Core.Security.X509Chain import X509Chain\n"
        "chain = X509Chain()\n"
        "assert chain.loadChainFromFile(sys.argv[1])['OK'] and chain.loadKeyFromFile(sys.argv[2])['OK']\n"
        "assert chain.generateProxyToFile(sys.argv[3], 1)['OK']\n"
        "time.sleep(2)\n"
    )
    subprocess.run([sys.executable, "-c", make, str(user / "usercert.pem"), str(user / "userkey.pem"), str(proxy)],
                   env=env, check=True, timeout=60)
    env["X509_USER_PROXY"] = str(proxy)
    line = one_line(submit(env, tmp_path, *CHAIN))
    assert "has expired" in line and "dirac-proxy-init" in line


def test_unknown_storage_element(dirac_server: Server, tmp_path: Path) -> None:
    workflow = tmp_path / "chain.cwl"
    text = (ENGINES / "chain.cwl").read_text().replace(
        "label: three steps", "$namespaces: {dirac: 'https://cwl2dirac.dev/ns#'}\n"
        "hints:\n  dirac:Job: {output_se: NO-SUCH-SE}\nlabel: three steps"
    )
    workflow.write_text(text.replace("run: tools/", f"run: {ENGINES}/tools/"))
    line = one_line(submit(client_env(dirac_server), tmp_path, str(workflow), str(ENGINES / "chain.yml")))
    assert "storage element 'NO-SUCH-SE' is not in DIRAC" in line and "LOCAL-DISK" in line
