#!/usr/bin/env bash
# The worked example of docs/ctadirac.md: one of CTADIRAC's own ProdSteps configurations (7 CtapipeProcessing
# steps, each on a catalog dataset) imported, compiled, drawn and run here on the two LST files of examples/data.
# Needs CTADIRAC's environment (the tests make it; or: uv venv ... && uv pip install CTADIRAC==3.1.0) for the
# configuration file itself. Usage: bash examples/ctadirac/run_example.sh [WORKDIR]   (about a minute on 2 cores)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export PATH="$repo/.venv/bin:$PATH"
work=${1:-$(mktemp -d)}
mkdir -p "$work" && cd "$work"
ctadirac_python=${CWL2DIRAC_CTADIRAC_VENV:-$HOME/.cache/cwl2dirac/ctadirac-venv}/bin/python
configs=$("$ctadirac_python" -c 'import CTADIRAC.ProductionSystem.config as c, os; print(os.path.dirname(c.__file__))')
prodsteps=$configs/prod5b/lapalma/alpha/az180/dl0_to_dl2.yml

# 1. the local stand-in for the File Catalog: the DL0 files with CTAO metadata, and the datasets the file names
cwl2dirac run --quiet --workdir catalog --outdir registered "$here/register.cwl" "$here/register.yml" >/dev/null
for dataset in $(grep -oE 'dataset: \S+' "$prodsteps" | awk '{print $2}'); do
    cwl2dirac catalog dataset add catalog "$dataset" site=LaPalma data_level=0
done
# 2. stand-ins for the ctapipe configurations its options name: on the grid the worker's ctapipe release gives
#    them ($CTAPIPE_DIR/config, as CTADIRAC's job takes them); a local run is told where they are (--config-dir)
bash "$here/standin-config.sh" "$prodsteps" config
# 3. import (each -c becomes software-config:<path>, nothing uploaded), check, compile, draw, run
cwl2dirac import prodsteps "$prodsteps" -o dl0_to_dl2.cwl
cwl2dirac validate dl0_to_dl2.cwl dl0_to_dl2.yml
cwl2dirac compile dl0_to_dl2.cwl dl0_to_dl2.yml -o request.yaml
cwl2dirac graph dl0_to_dl2.cwl dl0_to_dl2.yml -o dl0_to_dl2.svg
cwl2dirac run --datasets-from catalog --config-dir config --workdir run --outdir out dl0_to_dl2.cwl dl0_to_dl2.yml > outputs.json
cwl2dirac catalog query run cwl2dirac_output=dl2_file
# 4. and back: CTADIRAC's ProdSteps of the compiled request
cwl2dirac compile dl0_to_dl2.cwl dl0_to_dl2.yml --format prodsteps -o exported.yml
echo "done: $work"
