#!/usr/bin/env bash
# Set everything up, then run the checks and the whole test suite (what CI runs).
# The local DIRAC servers the integration tests start are stopped when the suite ends, even when it dies (a trap
# here, besides pytest's own end in tests/conftest.py); those already up before are left as they were.
# CWL2DIRAC_KEEP_SERVERS=1 keeps them all running for the next run (they start again in about 10 s otherwise).
# With no arguments, tests/integration runs in a pytest of its own beside the rest (below); CWL2DIRAC_PYTEST_ARGS
# (e.g. "--durations=30") goes to both. With arguments, pytest runs just those.
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
    if [ -n "${integration:-}" ]; then kill "$integration" 2>/dev/null || true; wait "$integration" 2>/dev/null || true; fi
    case "${CWL2DIRAC_KEEP_SERVERS:-}" in
        1|yes|true) ;;
        *) python tests/integration/suite_servers.py stop $servers_before || true ;;
    esac
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ $# -gt 0 ]; then  # tests named on the command line: one run of them
    pytest -n "${CWL2DIRAC_TEST_WORKERS:-2}" -q "$@"
    exit
fi
# The integration tests mostly wait on DIRAC's agents: they run beside the rest (CPU-bound, 2 workers), in a pytest
# of their own with 3 workers (the fault tests one after the other on one of them). That pytest stops the servers it
# started when it ends; the other keeps them (ending first, it would stop them under the integration tests).
integration_log="$(mktemp)"
echo "(tests/integration runs in a second pytest beside this one: its report follows when both have ended)"
# shellcheck disable=SC2086
pytest -n "${CWL2DIRAC_INTEGRATION_WORKERS:-3}" -q ${CWL2DIRAC_PYTEST_ARGS:-} tests/integration \
    > "$integration_log" 2>&1 &
integration=$!
status=0
# shellcheck disable=SC2086
CWL2DIRAC_KEEP_SERVERS=1 pytest -n 2 -q ${CWL2DIRAC_PYTEST_ARGS:-} --ignore=tests/integration || status=$?
wait "$integration" || status=$?
integration=""
echo "== pytest tests/integration"
cat "$integration_log"
rm -f "$integration_log"
exit "$status"
