"""Run a DIRAC service, agent or executor the way ``dirac-service``/``dirac-agent``/``dirac-executor`` do, with
these changes, made from outside (no installed file is edited):

1. ``dips://`` services listen on 127.0.0.1 only, on an IPv4 socket. DIRAC's server transport binds every
   interface on an IPv6 socket that also takes IPv4 (``ServiceReactor.__createListeners`` passes the address
   ``("", port)``); the transport class registered for ``dips`` is replaced by a subclass that binds the
   loopback address. It relies on DIRAC internals (``Protocols.gProtocolDict``, the name-mangled
   ``SSLTransport.__getConnection``): check it on each DIRAC upgrade (the server's status shows it: every port
   is probed on 127.0.0.1).
2. In the TransformationManager, a created task becomes submittable after ``CWL2DIRAC_SERVER_TASK_DELAY``
   seconds instead of DIRAC's 30 s, which is hard-coded in ``TransformationManagerHandler.export_getTasksToSubmit``
   (``older = utcnow - 30 s``, a guard against submitting a task whose input files are still being attached)
   and has no configuration option. The guard stays, shorter: ``TransformationDB.getTasksForSubmission`` is
   wrapped to move its ``older`` bound. ``CWL2DIRAC_SERVER_TASK_DELAY=30`` gives DIRAC's behaviour.
3. Agents (not the JobAgents) may cycle more often than DIRAC's 10 s floor: ``CWL2DIRAC_SERVER_AGENT_CYCLE``
   (:func:`_patch_agent_cycle`; the tests use 5 s).
4. A workaround for a DIRAC 9.1.22 bug in ``ServiceReactor`` that dropped new connections of a process running
   several services (:func:`_patch_reactor`), and a log line for each failed server-side TLS handshake.

``python -m dirac_server.launch jobagent-loop N -- ARGS`` runs DIRAC's JobAgent again each time it ends: a JobAgent
is a pilot's payload and stops after a few cycles without a job, as a pilot would; a new "pilot" starts at once.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

BIND_HOST = "127.0.0.1"


def _patch_transport() -> None:
    from DIRAC.Core.DISET.private import Protocols
    from DIRAC.Core.DISET.private.Transports.SSLTransport import SSLTransport
    from M2Crypto import SSL

    class LoopbackSSLTransport(SSLTransport):
        def __init__(self, stServerAddress, *args, **kwargs):
            if kwargs.get("bServerMode") and not stServerAddress[0]:
                stServerAddress = (BIND_HOST, stServerAddress[1])
            super().__init__(stServerAddress, *args, **kwargs)

        def _SSLTransport__getConnection(self):  # overrides SSLTransport.__getConnection (server side only)
            return SSL.Connection(self._SSLTransport__ctx, family=socket.AF_INET)

    Protocols.gProtocolDict["dips"]["transport"] = LoopbackSSLTransport
    _patch_server_post_connection_check()
    _log_handshake_failures(SSLTransport)


def _patch_server_post_connection_check() -> None:
    """DIRAC < 9.1.22 with M2Crypto >= 0.51: the server-side handshake (``SSLTransport.handshake_multipleSteps``)
    reads ``getattr(conn, "postConnectionCheck", conn.serverPostConnectionCheck)``; the default is evaluated
    first, and M2Crypto 0.51 no longer sets ``Connection.serverPostConnectionCheck`` (its own ``accept`` falls back
    to ``_serverPostConnectionCheck``, which accepts any peer). The AttributeError escapes the handshake and
    ``Service._processInThread`` drops the connection without a word (``except Exception: return``); its client
    sees "Connection reset by peer" or "Peer closed connection" when the reactor closes the transport, ~10 s later.
    The attribute is given back, as the no-op check older M2Crypto set on each connection (DIRAC 9.1.22 falls back
    to no check at all: the same)."""
    from M2Crypto import SSL

    if not hasattr(SSL.Connection, "serverPostConnectionCheck"):
        SSL.Connection.serverPostConnectionCheck = staticmethod(lambda *args, **kwargs: 1)


def _log_handshake_failures(transport: type) -> None:
    """A server-side TLS handshake that fails is logged (DIRAC 9.1 closes such a connection without a word)."""
    import time as _t

    from DIRAC import gLogger

    handshake = transport.handshake

    def logged(self):
        t0 = _t.monotonic()
        try:
            result = handshake(self)
        except Exception as exc:  # DIRAC's Service._processInThread drops the connection silently: say why
            # (not for a peer without a certificate, e.g. the status probes, which connect and close: DIRAC's
            # X509Chain.generateX509ChainFromSSLConnection raises TypeError on its missing chain, in 9.1.22 too)
            if not (isinstance(exc, TypeError) and self.oSocket.get_peer_cert() is None):
                gLogger.exception("TLS handshake raised",
                                  f"{self.getRemoteAddress()} after {_t.monotonic() - t0:.3f} s", lException=exc)
            raise
        if not result["OK"]:
            gLogger.warn("TLS handshake failed", f"{self.getRemoteAddress()} after {_t.monotonic() - t0:.3f} s: "
                         f"{result['Message']}")
        return result

    transport.handshake = logged


class _OneReadyListener:
    """A listening selector whose ``select`` returns one ready listening socket per call, in turn."""

    def __init__(self, selector) -> None:
        self._selector = selector
        self._turn = 0

    def select(self, timeout=None):
        events = self._selector.select(timeout)
        if len(events) <= 1:
            return events
        self._turn += 1
        return [events[self._turn % len(events)]]  # the others are still ready: the next call returns them

    def __getattr__(self, name):
        return getattr(self._selector, name)


def _patch_reactor() -> None:
    """Workaround (named so) for a DIRAC 9.1.22 bug that dropped new connections of a process running several
    services: ``ServiceReactor.__acceptIncomingConnection`` accepts a connection on every listening socket that
    one ``select`` reports ready but keeps (hands to its service) only the last; the others are dropped unread and
    closed when garbage-collected. Their clients see "peer did not return certificate" (M2Crypto's report of an
    end of stream during the handshake) or "Connection reset by peer". See docs/dirac-server.md, "TLS handshake
    failures". With one ready socket per ``select`` (level-triggered: the others are returned by the next call),
    every accepted connection is handed on. Relies on the name-mangled ``ServiceReactor.__getListeningSelector``:
    check it on each DIRAC upgrade (benchmarks/tls_stress.py with two services of one process shows it)."""
    from DIRAC.Core.DISET.ServiceReactor import ServiceReactor

    original = ServiceReactor._ServiceReactor__getListeningSelector

    def one_ready(self, svcName=False):
        return _OneReadyListener(original(self, svcName))

    ServiceReactor._ServiceReactor__getListeningSelector = one_ready


def _patch_task_delay(delay: int) -> None:
    from DIRAC.TransformationSystem.DB.TransformationDB import TransformationDB

    original = TransformationDB.getTasksForSubmission

    def getTasksForSubmission(self, *args, **kwargs):
        older = kwargs.get("older")
        if older is not None:
            # naive UTC, as DIRAC's: DiracTime.utcnow() (9.1.22), datetime.utcnow() (9.1.9, which has no DiracTime)
            now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
            kwargs["older"] = max(older, now - datetime.timedelta(seconds=delay))
        return original(self, *args, **kwargs)

    TransformationDB.getTasksForSubmission = getTasksForSubmission


def _patch_agent_cycle(seconds: int) -> None:
    """DIRAC's agent scheduler runs no cycle more often than every 10 s (``AgentReactor`` makes its
    ``ThreadScheduler`` with ``minPeriod=10``, no option): ``seconds`` instead (the agents' PollingTime is the same,
    cfg.py). Relies on ``AgentReactor`` calling ``ThreadScheduler.ThreadScheduler`` through its module."""
    if seconds == 10:
        return
    from DIRAC.Core.Base import AgentReactor
    from DIRAC.Core.Utilities import ThreadScheduler

    class Scheduler(ThreadScheduler.ThreadScheduler):
        def __init__(self, enableReactorThread=True, minPeriod=60):
            super().__init__(enableReactorThread=enableReactorThread, minPeriod=min(minPeriod, seconds))

    AgentReactor.ThreadScheduler = SimpleNamespace(ThreadScheduler=Scheduler)


def _patch_ast_parse() -> None:
    """A narrow workaround, named as such, for a CPython bug (gh-106905, Python 3.11): ``ast.parse`` in two threads at
    once can fail ("SystemError: AST constructor recursion depth mismatch"). DIRAC's threaded services parse stored
    queries with ``ast.literal_eval`` (``SaferEval``), which reports it as "Unknown error processing object
    expression": a ``startProduction`` failed so once in a test run (``getTransformationMetaQuery``). One lock
    serialises ``ast.parse`` in the service processes (``literal_eval`` looks it up in its module at each call)."""
    import ast
    import threading

    lock = threading.Lock()
    parse = ast.parse

    def serialised(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = serialised


def _run_dirac(kind: str, args: list[str]) -> None:
    if kind == "service":
        _patch_ast_parse()
        _patch_transport()
        if os.environ.get("CWL2DIRAC_SERVER_DIRAC_REACTOR") != "1":  # "1": DIRAC's as it is, to show its bug
            _patch_reactor()
        if any(a == "Transformation/TransformationManager" for a in args):
            _patch_task_delay(int(os.environ.get("CWL2DIRAC_SERVER_TASK_DELAY", "30")))
        from DIRAC.Core.scripts.dirac_service import main
    elif kind == "agent":
        _patch_agent_cycle(int(os.environ.get("CWL2DIRAC_SERVER_AGENT_CYCLE", "10")))
        from DIRAC.Core.scripts.dirac_agent import main
    elif kind == "executor":
        from DIRAC.Core.scripts.dirac_executor import main
    else:
        sys.exit(f"launch: unknown kind {kind!r}")
    sys.argv = [f"dirac-{kind}", *args]
    main()


def _jobagent_loop(n: str, args: list[str]) -> None:
    child: subprocess.Popen | None = None
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    generation = 0
    while not stopping:
        generation += 1
        print(f"===== JobAgent {n}: pilot {generation} starting at {time.strftime('%H:%M:%S')}", flush=True)
        # The agent itself needs no patch: run DIRAC's dirac-agent, with the job environment's PYTHONPATH
        env = dict(os.environ)
        env["PYTHONPATH"] = env.pop("CWL2DIRAC_JOBAGENT_PYTHONPATH", "")
        dirac_agent = os.path.join(os.path.dirname(sys.executable), "dirac-agent")
        child = subprocess.Popen([dirac_agent, *args], env=env)
        code = child.wait()
        print(f"===== JobAgent {n}: pilot {generation} ended with code {code}", flush=True)
        if not stopping:
            time.sleep(1)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m dirac_server.launch service|agent|executor ARGS | jobagent-loop N ARGS")
    kind, rest = sys.argv[1], sys.argv[2:]
    if kind == "jobagent-loop":
        _jobagent_loop(rest[0], rest[1:])
    else:
        _run_dirac(kind, rest)


if __name__ == "__main__":
    main()
