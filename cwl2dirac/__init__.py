"""cwl2dirac."""
