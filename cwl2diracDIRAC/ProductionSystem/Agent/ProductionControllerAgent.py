"""The cwl2dirac production controller, run by DIRAC as an agent.

Configure it in ``/Systems/Production/Agents/ProductionControllerAgent`` (``PollingTime``; DIRAC's agent
scheduler runs a cycle at most every 10 s; the recovery policy: ``MaxAttempts``, a whole number from 1 to 100,
default 3, ``DeterministicFinal``, True or False, default True, and ``StalledAfter``, seconds without a sign of
life after which a running job is stalled, from 10, default 7200, see ``cwl2dirac.backends.dirac.recovery``) and
start it with ``dirac-agent Production/ProductionControllerAgent``. A policy option that is not one of those values
is one logged error (once, until it changes) and the cycles go on with the default policy.

Each cycle calls ``cwl2dirac.backends.dirac.controller.run_cycle()`` (with ``log=`` the agent's logger when it
takes one); a list it returns is logged as the cycle's actions, an S_OK/S_ERROR is the cycle's result. That
module is imported inside
:meth:`ProductionControllerAgent.execute` (not at import time) so that the agent loads, and keeps cycling, while
the controller is not there: a cycle without it logs one warning and succeeds.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from DIRAC import S_ERROR, S_OK
from DIRAC.Core.Base.AgentModule import AgentModule

CONTROLLER_MODULE = "cwl2dirac.backends.dirac.controller"
POLICY_MODULE = "cwl2dirac.backends.policy"
POLICY_DEFAULTS = {"MaxAttempts": "3", "DeterministicFinal": "True", "StalledAfter": "7200"}
"""The recovery policy's options, read as text (DIRAC would turn a value it cannot convert into the default)."""
_TRUE, _FALSE = ("true", "yes", "y", "on", "1"), ("false", "no", "n", "off", "0")


def policy_options(max_attempts: Any, deterministic_final: Any, stalled_after: Any = "7200") -> dict[str, Any]:
    """The recovery policy's keyword arguments from the agent's option values; a ValueError naming the option
    and its bad value otherwise."""
    text = str(max_attempts).strip()
    if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= 100:
        raise ValueError(f"MaxAttempts = {max_attempts!r} is not a whole number from 1 to 100")
    flag = str(deterministic_final).strip().lower()
    if flag not in _TRUE + _FALSE:
        raise ValueError(f"DeterministicFinal = {deterministic_final!r} is not True or False")
    seconds = str(stalled_after).strip()
    if not re.fullmatch(r"[0-9]+", seconds) or not 10 <= int(seconds) <= 30 * 86400:
        raise ValueError(f"StalledAfter = {stalled_after!r} is not a whole number of seconds from 10 to 2592000")
    return {"max_attempts": int(text), "deterministic_final": flag in _TRUE, "stalled_after": int(seconds)}


class ProductionControllerAgent(AgentModule):
    """Drives cwl2dirac productions from inside DIRAC (flushes, completion, retries: see the controller)."""

    def initialize(self) -> dict[str, Any]:
        self.cycles = 0
        self.bad_policy: str | None = None
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
            kwargs["policy"] = self.recovery_policy()
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

    def recovery_policy(self) -> Any:
        """The recovery policy of the agent's options; with a bad option, the default policy, the error logged once
        (until the options change): the cycles go on."""
        policy_class = importlib.import_module(POLICY_MODULE).Policy
        values = [self.am_getOption(name, default) for name, default in POLICY_DEFAULTS.items()]
        try:
            policy = policy_class(**policy_options(*values))
        except Exception as exc:  # any bad value: the default policy, one error line
            message = f"{exc}; using the default policy ({policy_class()})"
            if message != self.bad_policy:
                self.log.error("cwl2dirac production controller: bad recovery policy option", message)
                self.bad_policy = message
            return policy_class()
        if self.bad_policy is not None:
            self.log.notice("cwl2dirac production controller: recovery policy", str(policy))
            self.bad_policy = None
        return policy
