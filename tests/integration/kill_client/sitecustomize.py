"""Fault injection for tests/integration/test_client_killed.py: on the PYTHONPATH of the submitting process only.

With ``CWL2DIRAC_TEST_KILL_AFTER=<method>``, the process SIGKILLs itself as soon as that step of the real
submission (a method of ``cwl2dirac.backends.dirac.submission.Submission``) has returned: a real kill of the real
client at a known point, nothing else changed.
"""

import os
import signal

_STEP = os.environ.get("CWL2DIRAC_TEST_KILL_AFTER")

if _STEP:
    import cwl2dirac.backends.dirac.submission as _submission

    _original = getattr(_submission.Submission, _STEP)

    def _then_die(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = _original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(_submission.Submission, _STEP, _then_die)
