"""``python -m cwl2dirac``: the ``cwl2dirac`` command."""

from cwl2dirac.cli import entry

entry()
