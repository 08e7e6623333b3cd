"""The DIRAC boundary: the one package of cwl2dirac that imports DIRAC and sees ``S_OK``/``S_ERROR``.

Every DIRAC error is turned into :class:`cwl2dirac.errors.BackendError` (or ``ValidationError`` for link
checks) here. Importing this package does not import DIRAC; each submodule does, so import them only when
needed:

- :mod:`cwl2dirac.backends.dirac.job`: job template bodies (``build_body``), built with DIRAC's ``Job`` API;
- :mod:`cwl2dirac.backends.dirac.validator`: parent/child meta-query checks with DIRAC's ``ProdValidator``;
- :mod:`cwl2dirac.backends.dirac.backend`: ``DiracBackend`` (ProductionSteps, dry run, submission).
"""
