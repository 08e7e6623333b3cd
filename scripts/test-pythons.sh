#!/usr/bin/env bash
# The non-integration test suite on the other Pythons cwl2dirac supports (3.12 and 3.13; the full suite runs on
# 3.11, the development environment .venv, in scripts/test.sh). Each Python gets its own environment, .venv-3.12
# and .venv-3.13, made by uv from the machine's interpreter (pyenv's, else one uv finds) and synced from the lock
# file; a second run only checks it. A DeprecationWarning raised in cwl2dirac's own modules is an error (see
# [tool.pytest.ini_options] in pyproject.toml), and a fork() in a multi-threaded process (Python 3.12's warning,
# which cannot be made an error: CPython drops it) fails the run when pytest's warning summary names it.
#
#   scripts/test-pythons.sh [3.12 3.13 ...] [-- pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

versions=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do versions+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#versions[@]} -eq 0 ] && versions=(3.12 3.13)

interpreter() {  # the machine's Python $1 (pyenv's newest patch release of it, else what uv finds)
    local found
    found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1".*/bin/python 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$found" ]; then found=$(uv python find "$1" 2>/dev/null || true); fi
    [ -n "$found" ] || { echo "test-pythons: no Python $1 on this machine" >&2; return 1; }
    echo "$found"
}

status=0
for version in "${versions[@]}"; do
    venv=".venv-$version"
    python=$(interpreter "$version")
    if [ ! -x "$venv/bin/python" ] || [ "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$version" ]; then
        rm -rf "$venv"
        uv venv --quiet --python "$python" "$venv"
    fi
    UV_PROJECT_ENVIRONMENT="$venv" uv sync --frozen --all-extras --compile-bytecode --quiet
    echo "== pytest on Python $("$venv/bin/python" -V 2>&1 | cut -d' ' -f2) (non-integration)"
    log=$(mktemp)
    start=$SECONDS
    # CTADIRAC's environment is built once per CI run, by the 3.11 suite (tests/packaging/test_beside_ctadirac.py)
    if "$venv/bin/pytest" -n 2 -q -p no:cacheprovider --ignore=tests/integration \
        --ignore=tests/packaging/test_beside_ctadirac.py "$@" 2>&1 | tee "$log" | tail -n 15; then
        :
    else
        status=1
    fi
    if grep -q "use of fork() may lead to deadlocks" "$log"; then
        echo "test-pythons: Python $version warned about fork() in a multi-threaded process:" >&2
        grep -B 2 "use of fork() may lead to deadlocks" "$log" | head -n 20 >&2
        status=1
    fi
    rm -f "$log"
    echo "== Python $version: $((SECONDS - start)) s"
done
exit $status
