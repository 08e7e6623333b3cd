"""Request operation handlers of the cwl2dirac extension (``RequestExecutingAgent/OperationHandlers``)."""
