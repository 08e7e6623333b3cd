#!/usr/bin/env bash
# Set up cwl2dirac on a fresh Debian machine: system packages, uv, and the locked Python environment (.venv).
# Idempotent: a second run only checks. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v swig >/dev/null 2>&1 || need_apt+=(swig)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
# mysqlclient (the "server" dependency group, used by scripts/dirac-server.sh) builds against MariaDB's C client.
dpkg -s libmariadb-dev >/dev/null 2>&1 || need_apt+=(libmariadb-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${need_apt[*]} (apt)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
    echo "setup: installing uv (pip)" >&2
    python3 -m pip install --quiet "uv>=0.5"
fi

# The lock file pins everything; gfal2-python is excluded by [tool.uv] override-dependencies in pyproject.toml.
# The default groups (dev, server) are installed: the DIRAC server script relies on the same environment.
# Byte-compile at install: every cwl2dirac (and cwltool) process then starts without compiling DIRAC from source.
uv sync --frozen --all-extras --compile-bytecode --quiet
echo "setup: ready ($(.venv/bin/cwl2dirac --version))" >&2
