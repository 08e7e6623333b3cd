#!/usr/bin/env bash
# A real single-machine DIRAC 9.1 server for cwl2dirac: MariaDB, DIRAC's classic dips:// services, the job
# optimizers, DIRAC's transformation agents, a RequestExecutingAgent, JobAgents running jobs in-process, and the
# cwl2dirac ProductionControllerAgent. Everything listens on 127.0.0.1. See docs/dirac-server.md.
#
#   scripts/dirac-server.sh start     # idempotent; installs what it needs (apt MariaDB, the locked venv)
#   scripts/dirac-server.sh status    # every component: PID alive, port answering (exit 1 if one is down)
#   scripts/dirac-server.sh env       # eval "$(scripts/dirac-server.sh env)" gives a DIRAC client shell
#   scripts/dirac-server.sh stop
#   scripts/dirac-server.sh start --vo ctao --dir ~/.cache/cwl2dirac/ctao-server --port 29400   # another VO
#   scripts/dirac-server.sh start --dirac 9.1.9 --dir ~/.cache/cwl2dirac/dirac-9.1.9 --port 29250  # another DIRAC
#   scripts/dirac-server.sh start --catalog rucio --dir ~/.cache/cwl2dirac/dirac-server-rucio --port 29300  # Rucio as
#       the catalog (scripts/rucio-server.sh started too; the SEs become RSEs of the same names; docs/rucio.md)
#
# Environment: CWL2DIRAC_SERVER_DIR (state, default ~/.cache/cwl2dirac/dirac-server), CWL2DIRAC_SERVER_PORT
# (base port, default 29100), CWL2DIRAC_SERVER_VO (default cwl2dirac), CWL2DIRAC_SERVER_JOBAGENTS (default 2),
# CWL2DIRAC_SERVER_TASK_DELAY (seconds before a new task may be submitted, default 1; DIRAC's is 30),
# CWL2DIRAC_SERVER_KEEP_JOBS=1 (keep each job's working directory after it ends), CWL2DIRAC_SERVER_CATALOG (dfc, the
# default, or rucio).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${CWL2DIRAC_SERVER_DIR:-$HOME/.cache/cwl2dirac/dirac-server}"
VENV="${CWL2DIRAC_SERVER_VENV:-$ROOT/.venv}"
cmd="${1:-}"
[ $# -gt 0 ] && shift
# Options after the command: shorthands of the variables above (e.g. start --vo ctao, so that CTAO's examples,
# which write under /ctao/, run unchanged; give such a server a state directory and ports of its own)
while [ $# -gt 0 ]; do
    case "$1" in
        --vo) export CWL2DIRAC_SERVER_VO="${2:?--vo needs a name}"; shift 2 ;;
        --vo=*) export CWL2DIRAC_SERVER_VO="${1#--vo=}"; shift ;;
        --dir) export CWL2DIRAC_SERVER_DIR="${2:?--dir needs a directory}"; STATE="$2"; shift 2 ;;
        --port) export CWL2DIRAC_SERVER_PORT="${2:?--port needs a number}"; shift 2 ;;
        --dirac) export CWL2DIRAC_SERVER_DIRAC="${2:?--dirac needs a version}"; shift 2 ;;
        --catalog) export CWL2DIRAC_SERVER_CATALOG="${2:?--catalog needs dfc or rucio}"; shift 2 ;;
        *) echo "dirac-server: unknown option $1 (options: --vo NAME, --dir DIR, --port N, --dirac VERSION," \
                "--catalog dfc|rucio)" >&2
           exit 2 ;;
    esac
done
# Another DIRAC release (e.g. --dirac 9.1.9, CTADIRAC 3.1.0's): a venv of its own, .venv-dirac-<version>
if [ -n "${CWL2DIRAC_SERVER_DIRAC:-}" ]; then
    case "$CWL2DIRAC_SERVER_DIRAC" in
        *[!0-9.]*|"") echo "dirac-server: --dirac $CWL2DIRAC_SERVER_DIRAC: a version number, e.g. 9.1.9" >&2; exit 2 ;;
    esac
    VENV="${CWL2DIRAC_SERVER_VENV:-$ROOT/.venv-dirac-$CWL2DIRAC_SERVER_DIRAC}"
    export CWL2DIRAC_SERVER_VENV="$VENV"
fi

py() { PYTHONPATH="$ROOT/scripts" "$VENV/bin/python" -m dirac_server "$@"; }

need_packages() {
    # Debian's MariaDB server and client, without their service scripts (the server runs mariadbd itself)
    local missing=()
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server-core)
    command -v mariadb-install-db >/dev/null 2>&1 || missing+=(mariadb-server-core)
    command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client-core)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
        missing=($(printf "%s\n" "${missing[@]}" | sort -u))
        echo "dirac-server: installing ${missing[*]} (apt)" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

need_release_venv() {
    # The venv of another DIRAC release: that DIRAC and the server's packages, cwl2dirac itself (editable: the
    # worker runs in the jobs), every other package at the lock's version (uv export), gfal2-python left out as in
    # pyproject.toml. About 20 s with uv's cache.
    local version="$CWL2DIRAC_SERVER_DIRAC"
    if "$VENV/bin/python" -c "import DIRAC, MySQLdb, opensearchpy, pythonjsonlogger, cwl2diracDIRAC, cwl2dirac
assert DIRAC.version == '$version', DIRAC.version" >/dev/null 2>&1; then
        return
    fi
    echo "dirac-server: making $VENV (DIRAC $version)" >&2
    command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"
    local work; work="$(mktemp -d)"
    (cd "$ROOT" && uv export --frozen --no-hashes --no-emit-project --all-extras --quiet) \
        | grep -v -i -E "^(dirac|diraccommon)==" > "$work/constraints.txt"
    echo 'gfal2-python; sys_platform == "never"' > "$work/overrides.txt"
    uv venv --quiet --allow-existing --python 3.11 "$VENV"
    uv pip install --quiet --python "$VENV/bin/python" --override "$work/overrides.txt" -c "$work/constraints.txt" \
        "DIRAC==$version" "mysqlclient>=2.2" "opensearch-py>=2.4" "python-json-logger>=2.0" "pyyaml>=6.0" \
        -e "$ROOT"
    rm -rf "$work"
}

need_venv() {
    if [ -n "${CWL2DIRAC_SERVER_DIRAC:-}" ]; then need_release_venv; return; fi
    # The server's Python packages are the "server" dependency group of pyproject.toml, a default group: the
    # project's own setup (uv sync --frozen of uv.lock) installs them. Only run it when something is missing.
    if [ "$VENV" = "$ROOT/.venv" ] && ! "$VENV/bin/python" -c "import DIRAC, MySQLdb, opensearchpy, pythonjsonlogger, cwl2diracDIRAC" >/dev/null 2>&1; then
        echo "dirac-server: setting up the project environment (scripts/setup.sh)" >&2
        bash "$ROOT/scripts/setup.sh"
    fi
}

case "$cmd" in
    start|stop)
        mkdir -p "$STATE"
        exec 9>"$STATE/.lock"
        # One start/stop at a time (pytest-xdist workers may all call start): the others wait, then find the
        # server up and return at once.
        flock 9
        if [ "$cmd" = start ]; then need_packages; need_venv; fi
        py "$cmd"
        ;;
    status|env)
        py "$cmd"
        ;;
    *)
        echo "usage: $0 start|stop|status|env" >&2
        exit 2
        ;;
esac
