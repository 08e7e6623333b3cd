#!/usr/bin/env bash
# Run the CWL v1.2 conformance suite against cwl2dirac (or another runner) and print pass counts by tag.
# The suite is not on any package registry: clone common-workflow-language/cwl-v1.2 somewhere outside this
# project and pass its folder.   Usage: scripts/conformance.sh /path/to/cwl-v1.2 [runner] [extra cwltest args]
set -euo pipefail
suite=${1:?usage: scripts/conformance.sh /path/to/cwl-v1.2 [runner] [cwltest args...]}
runner=${2:-cwl2dirac}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$here/.venv/bin:$PATH"
out=$(mktemp -d)
cd "$suite"
cwltest --test conformance_tests.yaml --tool "$runner" -j 2 --timeout 300 --junit-xml "$out/junit.xml" "$@" \
    > "$out/cwltest.log" 2>&1 || true
tail -n 3 "$out/cwltest.log"
python3 "$here/scripts/conformance_tags.py" "$out/junit.xml"
echo "log: $out/cwltest.log"
