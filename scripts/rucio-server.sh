#!/usr/bin/env bash
# A real single-machine Rucio server beside the tests' DIRAC (issue 18): Debian's PostgreSQL 15 as a private
# instance and a pinned Rucio served by gunicorn, on 127.0.0.1. See docs/rucio.md.
#
#   scripts/rucio-server.sh start     # idempotent; installs what it needs (apt postgresql-15, .venv-rucio by uv)
#   scripts/rucio-server.sh status    # exit 1 if PostgreSQL or Rucio is down
#   scripts/rucio-server.sh env       # eval "$(scripts/rucio-server.sh env)" gives RUCIO_CONFIG for a client
#   scripts/rucio-server.sh stop
#
# Environment: CWL2DIRAC_RUCIO_DIR (state, default ~/.cache/cwl2dirac/rucio-server), CWL2DIRAC_RUCIO_PORT
# (PostgreSQL's port; Rucio's is the next one; default 29600), CWL2DIRAC_RUCIO_SCOPE (default cwl2dirac).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${CWL2DIRAC_RUCIO_DIR:-$HOME/.cache/cwl2dirac/rucio-server}"
mkdir -p "$STATE"
case "${1:-}" in
    start|stop)
        exec 9>"$STATE/.lock"
        flock 9  # one start/stop at a time (pytest-xdist workers may all call start)
        ;;
esac
PYTHON="$ROOT/.venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
PYTHONPATH="$ROOT/scripts" exec "$PYTHON" -m rucio_server "$@"
