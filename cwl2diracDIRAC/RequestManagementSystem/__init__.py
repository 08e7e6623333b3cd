"""The Request Management System part of the cwl2dirac DIRAC extension."""
