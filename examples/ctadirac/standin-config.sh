#!/usr/bin/env bash
# Stand-ins for the ctapipe configurations a ProdSteps file names (CTADIRAC's jobs take them from the ctapipe
# installation, $CTAPIPE_DIR/config): an empty ctapipe configuration for each `-c FILE` of the options.
set -euo pipefail
prodsteps=$1; dir=$2
grep -oE -- '(-c|--config) [^ ]+' "$prodsteps" | awk '{print $2}' | sort -u | while read -r f; do
    mkdir -p "$dir/$(dirname "$f")"; echo "{}" > "$dir/$f"
done
