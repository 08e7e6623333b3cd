"""Agent-side pieces of the cwl2dirac extension's Request Management System."""
