"""The local backend: runs a ProductionRequest on this machine with Transformation System semantics."""
