"""The local backend: a production request run on this machine with Transformation System semantics.

- :mod:`~cwl2dirac.backends.local.backend`: :class:`~cwl2dirac.backends.local.backend.LocalBackend`, the
  :class:`~cwl2dirac.backends.base.Backend` of this machine;
- :mod:`~cwl2dirac.backends.local.runner`: the transformations' agents (tasks from catalog queries, groups,
  flushes, retries), in the submitting process;
- :mod:`~cwl2dirac.backends.local.catalog`: the SQLite file catalog, directory storage and task table (the
  ``sqlite:`` catalog of the workers);
- :mod:`~cwl2dirac.backends.local.pool`: the task processes; :mod:`~cwl2dirac.backends.local.progress`: the live
  display (the CWL output object is collected by :mod:`cwl2dirac.backends.outputs`, shared with DIRAC).
"""
