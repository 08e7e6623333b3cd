"""Importers: productions written for other tools, as CWL workflows of the CTAO library.

- :mod:`~cwl2dirac.importers.prodsteps`: CTADIRAC's ProdSteps YAML (``cta-prod-submit``'s workflow description).
"""
