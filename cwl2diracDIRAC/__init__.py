"""cwl2diracDIRAC: the DIRAC extension shipped with cwl2dirac.

DIRAC discovers extensions through the ``dirac`` entry-point group (``DIRAC.Core.Utilities.Extensions``); the
one of this package is declared in cwl2dirac's ``pyproject.toml``. DIRAC's module loader then looks for agents,
services and executors in ``cwl2diracDIRAC.<System>System.{Agent,Service,Executor}`` before DIRAC's own, so
``dirac-agent Production/ProductionControllerAgent`` runs
:mod:`cwl2diracDIRAC.ProductionSystem.Agent.ProductionControllerAgent`.

Keep this package free of imports at module level: DIRAC imports it (and calls :func:`extension_metadata`) in
every DIRAC process of the environment it is installed in.
"""


def extension_metadata() -> dict:
    """What DIRAC asks every extension for (see ``DIRAC.extension_metadata``).

    A higher priority than DIRAC's (0) puts this extension first in DIRAC's search order; it is not the primary
    extension (it defines no setup, release or configuration server of its own).
    """
    return {
        "primary_extension": False,
        "priority": 10,
        "setups": {},
    }
