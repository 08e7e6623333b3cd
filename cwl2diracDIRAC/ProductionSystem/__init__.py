"""The Production System part of the cwl2dirac DIRAC extension."""
