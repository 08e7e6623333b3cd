"""Rucio as the catalog (issue 18): the worker's :class:`~cwl2dirac.backends.rucio.catalog.RucioCatalog`."""
