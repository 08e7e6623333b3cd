"""The worker: what every task runs, on the grid and locally (``cwl2dirac-worker --config TOKEN --task
N``)."""
