"""The single-machine DIRAC server of ``scripts/dirac-server.sh`` (not part of the installed cwl2dirac package).

Run with the project's virtual environment: ``PYTHONPATH=scripts .venv/bin/python -m dirac_server start``; the
shell script does that after installing MariaDB (apt) and the environment. See docs/dirac-server.md.
"""
