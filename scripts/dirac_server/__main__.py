"""``python -m dirac_server start|stop|status|env`` (called by scripts/dirac-server.sh, which holds the lock)."""

from __future__ import annotations

import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from . import certs, cfg, components, mariadb, procs, rucio
from .components import Proc
from .settings import Settings

# What a process's log says once it is ready (its modules loaded and initialised)
READY_MARKERS = {
    "agent": "Loaded agent module",
    "jobagent": "Loaded agent module",
    "executor": "Connected to WorkloadManagement/OptimizationMind",
}
START_TIMEOUT = 90


def _log(s: Settings, proc: Proc) -> Path:
    return s.log / f"{proc.log_name}.log"


def _since_last_start(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[text.rfind(procs.START_MARK) :] if procs.START_MARK in text else text


def _proc_up(s: Settings, proc: Proc) -> bool:
    if not procs.alive(s, proc.name):
        return False
    if proc.kind == "service":
        return all(procs.port_answers(s.ports[c]) for c in proc.components)
    return True


def _component_rows(s: Settings) -> list[tuple[str, str, int | None, bool, str]]:
    """(component, process, pid, up, detail) for MariaDB and every DIRAC component."""
    rows = []
    db_alive = procs.alive(s, mariadb.NAME)
    db_port = procs.port_answers(s.ports[mariadb.NAME])
    rows.append(("MariaDB", mariadb.NAME, procs.pid(s, mariadb.NAME), db_alive and db_port,
                 f"port {s.ports[mariadb.NAME]} {'answers' if db_port else 'closed'}"))
    for proc in components.processes(s):
        alive = procs.alive(s, proc.name)
        for comp in proc.components:
            if proc.kind == "service":
                port = s.ports[comp]
                answers = procs.port_answers(port)
                rows.append((comp, proc.name, procs.pid(s, proc.name), alive and answers,
                             f"port {port} {'answers' if answers else 'closed'}"))
            else:
                rows.append((comp, proc.name, procs.pid(s, proc.name), alive, proc.kind))
    return rows


def all_up(s: Settings) -> bool:
    return all(row[3] for row in _component_rows(s))


def _wait(s: Settings, wave: list[Proc], started: set[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    pending = list(wave)
    while pending:
        for proc in list(pending):
            log = _log(s, proc)
            if not procs.alive(s, proc.name):
                raise procs.StartError(proc.name, "exited during start", log)
            if proc.kind == "service":
                ready = all(procs.port_answers(s.ports[c], timeout=0.5) for c in proc.components)
            elif proc.name not in started:
                ready = True  # was already running
            else:
                ready = READY_MARKERS[proc.kind] in _since_last_start(log)
            if ready:
                pending.remove(proc)
        if pending and time.monotonic() > deadline:
            proc = pending[0]
            raise procs.StartError(proc.name, f"not ready after {START_TIMEOUT} s", _log(s, proc))
        if pending:
            time.sleep(0.2)


def _dirac_tool(s: Settings, argv: list[str], *, as_host: bool, what: str) -> str:
    """Run a DIRAC command-line tool as the host (server environment) or as a client (user certificate)."""
    env = components.base_env(s)
    if as_host:
        env["DIRAC_ROOT_PATH"] = str(s.state)
        argv = [*argv, "-o", "/DIRAC/Security/UseServerCertificate=yes"]
    else:
        env.update(components.client_env(s))
    tool_log = s.log / "tools.log"
    result = subprocess.run([str(s.venv / "bin" / argv[0]), *argv[1:]], env=env, capture_output=True, text=True,
                            cwd=str(s.state))
    with tool_log.open("a") as f:
        f.write(f"\n===== {time.strftime('%H:%M:%S')} {shlex.join(argv)} -> {result.returncode}\n")
        f.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise procs.StartError(what, f"{shlex.join(argv)} failed ({result.returncode})", tool_log)
    return result.stdout


def _proxy_valid(s: Settings, margin: datetime.timedelta) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(s.proxy.read_bytes())
    except (OSError, ValueError):
        return False
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > margin


def _ensure_proxy(s: Settings, force: bool) -> bool:
    """A user proxy (production group) in the state directory, uploaded to the ProxyManager (where the
    agents' ``shifterProxy = ProductionManager`` gets it). Remade when missing, expiring within a day, not
    uploaded, or after new certificates or a new database."""
    uploaded = s.proxy.with_name("uploaded")
    if not force and uploaded.exists() and _proxy_valid(s, datetime.timedelta(days=1)):
        return False
    s.proxy.parent.mkdir(parents=True, exist_ok=True)
    s.proxy.unlink(missing_ok=True)
    uploaded.unlink(missing_ok=True)
    _dirac_tool(
        s,
        ["dirac-proxy-init", "-g", s.prod_group, "-C", str(s.user_dir / "usercert.pem"),
         "-K", str(s.user_dir / "userkey.pem"), "-u", str(s.proxy), "-v", "168:00"],
        as_host=False, what="proxy",
    )
    s.proxy.chmod(0o600)
    uploaded.write_text(f"{s.user_dn} {s.prod_group}\n")
    return True


def _rss_sync(s: Settings) -> None:
    marker = s.db_dir / "rss-synced"
    synced = f"{' '.join(cfg.STORAGE_ELEMENTS)}\n"  # again when the configuration gains a storage element
    if marker.exists() and marker.read_text() == synced:
        return
    _dirac_tool(s, ["dirac-rss-sync", "--element", "all", "--defaultStatus", "Active"], as_host=True, what="RSS")
    _dirac_tool(s, ["dirac-rss-sync", "--init", "--defaultStatus", "Active"], as_host=True, what="RSS")
    marker.write_text(synced)


def _fingerprint(s: Settings) -> dict[str, object]:
    """What a running server was started with; another checkout's venv or other settings need a restart."""
    return {"venv": str(s.venv), "vo": s.vo, "base_port": s.base_port, "jobagents": s.jobagents,
            "task_delay": s.task_delay, "stalled_after": s.stalled_after, "agent_cycle": s.agent_cycle,
            "keep_jobs": s.keep_jobs,
            "split_services": s.split_services, "catalog": s.catalog}


def _recorded(s: Settings) -> dict[str, object] | None:
    try:
        return json.loads((s.run / "server.json").read_text())
    except (OSError, ValueError):
        return None


def _anything_alive(s: Settings) -> bool:
    return procs.alive(s, mariadb.NAME) or any(procs.alive(s, p.name) for p in components.processes(s))


def start(s: Settings) -> int:
    t0 = time.monotonic()
    recorded = _recorded(s)
    wanted = _fingerprint(s)
    # Settings added in later versions of this script are not in an older server's record: compare the others
    differs = recorded is not None and any(recorded[k] != wanted[k] for k in recorded.keys() & wanted.keys())
    if differs and _anything_alive(s):
        if all_up(s) and os.environ.get("CWL2DIRAC_SERVER_REPLACE") != "1":
            print(
                f"dirac-server: a server with other settings is running in {s.state}:\n  running: {recorded}\n"
                f"  wanted:  {_fingerprint(s)}\nStop it first (scripts/dirac-server.sh stop), or use another "
                "CWL2DIRAC_SERVER_DIR and CWL2DIRAC_SERVER_PORT (or CWL2DIRAC_SERVER_REPLACE=1 to replace it).",
                file=sys.stderr,
            )
            return 1
        if all_up(s):
            print(f"dirac-server: replacing the server with other settings in {s.state} (running: {recorded})",
                  file=sys.stderr)
        stop(s)
    if all_up(s):
        if recorded is None:
            (s.run / "server.json").write_text(json.dumps(_fingerprint(s)) + "\n")
        print(f"dirac-server: already running (state {s.state}, Configuration Server {s.url('Configuration/Server')})")
        return 0
    for d in (s.state, s.log, s.run):
        d.mkdir(parents=True, exist_ok=True)
    new_certs = certs.ensure(s)
    cfg.write_all(s)
    if s.catalog == "rucio":
        t = time.monotonic()
        rucio.prepare(s, cfg.STORAGE_ELEMENTS)
        t_rucio = time.monotonic() - t
    fresh_db = not (s.db_dir / "initialized").exists()
    mariadb.start(s)
    t_db = time.monotonic()
    waves: dict[int, list[Proc]] = {}
    for proc in components.processes(s):
        waves.setdefault(proc.wave, []).append(proc)
    started: set[str] = set()
    timings = [f"MariaDB {t_db - t0:.1f} s"] + ([f"Rucio {t_rucio:.1f} s"] if s.catalog == "rucio" else [])
    for wave in sorted(waves):
        if wave == 3:
            # Before any agent: the shifter proxy in the ProxyManager, the site and SEs Active in the RSS
            t = time.monotonic()
            made = _ensure_proxy(s, force=new_certs or fresh_db)
            _rss_sync(s)
            timings.append(f"proxy{' (new)' if made else ''} + RSS {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        for proc in waves[wave]:
            if _proc_up(s, proc):
                continue
            procs.kill(s, proc.name)
            if proc.kind == "service":
                taken = [f"{c} ({s.ports[c]})" for c in proc.components if procs.port_answers(s.ports[c])]
                if taken:
                    raise procs.StartError(
                        proc.name,
                        f"port(s) already in use by another program: {', '.join(taken)}; "
                        "choose another base port with CWL2DIRAC_SERVER_PORT",
                    )
            argv, env, cwd = components.command(s, proc)
            procs.spawn(s, proc.name, argv, log=_log(s, proc), env=env, cwd=cwd)
            started.add(proc.name)
        _wait(s, waves[wave], started)
        timings.append(f"wave {wave} {time.monotonic() - t:.1f} s")
    (s.run / "server.json").write_text(json.dumps(_fingerprint(s)) + "\n")
    print(f"dirac-server: started in {time.monotonic() - t0:.1f} s ({', '.join(timings)}); state {s.state}")
    return 0


def stop(s: Settings) -> int:
    stopped = []
    for proc in reversed(components.processes(s)):
        if procs.kill(s, proc.name):
            stopped.append(proc.name)
    # Processes of a former configuration (e.g. more JobAgents then)
    for pidfile in sorted(s.run.glob("*.pid")) if s.run.exists() else []:
        name = pidfile.stem
        if name != mariadb.NAME and procs.kill(s, name):
            stopped.append(name)
    # a job wrapper started while its JobAgent was being stopped can outlive the agent's process group
    strays = procs.kill_strays(f"{s.state}/jobagents/")
    if strays:
        stopped.append(f"{len(strays)} job process(es) left by the JobAgents")
    if procs.kill(s, mariadb.NAME, timeout=30):
        stopped.append(mariadb.NAME)
    print(f"dirac-server: stopped {', '.join(stopped) if stopped else 'nothing (was not running)'}")
    return 0


def status(s: Settings) -> int:
    rows = _component_rows(s)
    width = max(len(r[0]) for r in rows)
    for comp, proc, p, up, detail in rows:
        print(f"{comp:<{width}}  {'up  ' if up else 'DOWN'}  pid {p if p else '-':<8} {proc:<26} {detail}")
    down = [r[0] for r in rows if not r[3]]
    if down:
        print(f"dirac-server: {len(down)} of {len(rows)} components down (logs in {s.log})")
        return 1
    print(f"dirac-server: all {len(rows)} components up (state {s.state})")
    return 0


def env(s: Settings) -> int:
    lines = ["unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE X509_USER_CERT X509_USER_KEY"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in components.client_env(s).items()]
    # DIRAC's commands (dirac-proxy-init, dirac-dms-*, dirac-wms-*...) and cwl2dirac are in the venv
    lines.append(f'export PATH={shlex.quote(str(s.venv / "bin"))}:"$PATH"')
    print("\n".join(lines))
    return 0


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("start", "stop", "status", "env"):
        print("usage: python -m dirac_server start|stop|status|env", file=sys.stderr)
        return 2
    s = Settings.from_env()
    try:
        return {"start": start, "stop": stop, "status": status, "env": env}[sys.argv[1]](s)
    except procs.StartError as exc:
        print(f"dirac-server: start failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
