"""Agents of the cwl2dirac DIRAC extension (run with ``dirac-agent Production/<Name>``)."""
