"""Fault injection for the integration tests: on the PYTHONPATH of the submitting process only.

With ``CWL2DIRAC_TEST_KILL_AFTER=<method>``, the process SIGKILLs itself as soon as that step of the real
submission (a method of ``cwl2dirac.backends.dirac.submission.Submission``) has returned: a real kill of the real
client at a known point, nothing else changed (tests/integration/test_client_killed.py).

With ``CWL2DIRAC_TEST_SIGNAL_AFTER=<method>``, ``CWL2DIRAC_TEST_SIGNAL=STOP|KILL|CONT`` and
``CWL2DIRAC_TEST_SIGNAL_PGID=<pgid>``, the process group ``pgid`` (a server process: the TransformationManager's, the
File Catalog's) gets that signal once the step has returned, and the submission goes on: a service stopped or killed
in the middle of a real submission (tests/integration/test_faults.py).
"""

import os
import signal

_KILL_AFTER = os.environ.get("CWL2DIRAC_TEST_KILL_AFTER")
_SIGNAL_AFTER = os.environ.get("CWL2DIRAC_TEST_SIGNAL_AFTER")


def _after(step, action):  # type: ignore[no-untyped-def]
    import cwl2dirac.backends.dirac.submission as _submission

    original = getattr(_submission.Submission, step)

    def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(self, *args, **kwargs)
        action()
        return result

    setattr(_submission.Submission, step, wrapped)


if _KILL_AFTER:
    _after(_KILL_AFTER, lambda: os.kill(os.getpid(), signal.SIGKILL))

if _SIGNAL_AFTER:
    _SIG = getattr(signal, "SIG" + os.environ["CWL2DIRAC_TEST_SIGNAL"])
    _PGID = int(os.environ["CWL2DIRAC_TEST_SIGNAL_PGID"])
    _after(_SIGNAL_AFTER, lambda: os.killpg(_PGID, _SIG))
