#!/usr/bin/env bash
# Set everything up, then run the checks and the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && ruff check cwl2dirac tests benchmarks examples scripts
echo "== mypy" && mypy
echo "== import-linter" && lint-imports --no-cache | tail -n 8
echo "== pytest"
pytest -n 2 -q "$@"
