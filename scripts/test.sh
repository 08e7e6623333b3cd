#!/usr/bin/env bash
# Set everything up, then run the checks and the whole test suite (what CI runs).
# The local DIRAC servers the integration tests start are stopped when the suite ends, even when it dies (a trap
# here, besides pytest's own end in tests/conftest.py); those already up before are left as they were.
# CWL2DIRAC_KEEP_SERVERS=1 keeps them all running for the next run (they start again in about 10 s otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && ruff check cwl2dirac tests benchmarks examples scripts
echo "== mypy" && mypy
echo "== import-linter" && lint-imports --no-cache | tail -n 8
echo "== pytest"
export CWL2DIRAC_SUITE_ID="${CWL2DIRAC_SUITE_ID:-$(python -c 'import uuid; print(uuid.uuid4().hex)')}"
servers_before="$(python tests/integration/suite_servers.py up)"
stop_servers() {
    case "${CWL2DIRAC_KEEP_SERVERS:-}" in
        1|yes|true) ;;
        *) python tests/integration/suite_servers.py stop $servers_before || true ;;
    esac
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# 4 workers on 2 cores: the integration tests mostly wait on DIRAC's agents (tests/conftest.py starts them first),
# the other two keep the CPU busy with the rest meanwhile. CWL2DIRAC_TEST_WORKERS changes it.
pytest -n "${CWL2DIRAC_TEST_WORKERS:-4}" -q "$@"
