"""The cwl2dirac production controller, run by DIRAC as an agent.

Configure it in ``/Systems/Production/Agents/ProductionControllerAgent`` (``PollingTime``; DIRAC's agent
scheduler runs a cycle at most every 10 s; the recovery policy: ``MaxAttempts``, default 3, and
``DeterministicFinal``, default True, ``StalledAfter``, default 7200 s, see ``cwl2dirac.backends.dirac.recovery``) and start it with
``dirac-agent Production/ProductionControllerAgent``.

Each cycle calls ``cwl2dirac.backends.dirac.controller.run_cycle()`` (with ``log=`` the agent's logger when it
takes one); a list it returns is logged as the cycle's actions, an S_OK/S_ERROR is the cycle's result. That
module is imported inside
:meth:`ProductionControllerAgent.execute` (not at import time) so that the agent loads, and keeps cycling, while
the controller is not there: a cycle without it logs one warning and succeeds.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.Base.AgentModule import AgentModule

CONTROLLER_MODULE = "cwl2dirac.backends.dirac.controller"


class ProductionControllerAgent(AgentModule):
    """Drives cwl2dirac productions from inside DIRAC (flushes, completion, retries: see the controller)."""

    def initialize(self) -> dict[str, Any]:
        self.cycles = 0
        self.log.notice("cwl2dirac production controller agent initialised", f"(controller: {CONTROLLER_MODULE})")
        return S_OK()

    def execute(self) -> dict[str, Any]:
        self.cycles += 1
        try:
            controller = importlib.import_module(CONTROLLER_MODULE)
        except ImportError as exc:
            # Only a missing controller module (or a missing parent package) is "not installed"; an import error
            # raised inside an existing controller is a real failure and is reported as such.
            missing = getattr(exc, "name", None) or ""
            if isinstance(exc, ModuleNotFoundError) and CONTROLLER_MODULE.startswith(missing):
                self.log.warn(
                    "cwl2dirac production controller not available, nothing done this cycle",
                    f"(cycle {self.cycles}: {exc})",
                )
                return S_OK()
            self.log.exception("cwl2dirac production controller failed to import", lException=exc)
            return S_ERROR(f"cannot import {CONTROLLER_MODULE}: {exc}")
        run_cycle = getattr(controller, "run_cycle", None)
        if run_cycle is None:
            self.log.warn("cwl2dirac production controller has no run_cycle(), nothing done this cycle")
            return S_OK()
        self.log.info("cwl2dirac production controller cycle", f"{self.cycles}")
        kwargs: dict[str, Any] = {}
        try:
            parameters = inspect.signature(run_cycle).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        if "log" in parameters:
            kwargs["log"] = lambda message: self.log.info(str(message))
        if "policy" in parameters:
            try:
                recovery = importlib.import_module("cwl2dirac.backends.dirac.recovery")
                kwargs["policy"] = recovery.Policy(
                    max_attempts=int(self.am_getOption("MaxAttempts", 3)),
                    deterministic_final=bool(self.am_getOption("DeterministicFinal", True)),
                    stalled_after=int(self.am_getOption("StalledAfter", 7200)),
                )
            except Exception as exc:  # a bad option: the cycle fails with it, the agent goes on
                self.log.error("cwl2dirac production controller: bad recovery policy", str(exc))
                return S_ERROR(f"bad recovery policy: {exc}")
        try:
            result = run_cycle(**kwargs)
        except Exception as exc:  # an agent must survive a failing cycle
            self.log.exception("cwl2dirac production controller cycle failed", lException=exc)
            return S_ERROR(f"run_cycle failed: {exc}")
        if isinstance(result, dict) and "OK" in result:  # a DIRAC S_OK/S_ERROR
            return result
        if isinstance(result, (list, tuple)):
            self.log.info("cwl2dirac production controller cycle done", f"{len(result)} action(s)")
        return S_OK(result)
