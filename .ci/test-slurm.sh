#!/usr/bin/env bash
# The bundled regeneration on a real SLURM cluster (started here, on this
# machine) equals the committed results/ byte for byte, and bad input ends as
# it does locally: non-zero exit, the message on the terminal, results/ as it
# was. `make test-slurm` runs it; so does CI (.ci/run). The cluster is always
# stopped at the end; if it cannot start, this fails (it never skips).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
LIMIT=${SLURM_TEST_TIMEOUT:-1200}  # seconds per pipeline run; stopped with one SIGINT
# The SLURM executor plugin is in its own lock (requirements-slurm.txt, the default one and the plugin):
# `make test-slurm` installs it first; CI (.ci/run) calls this script directly.
"$PYTHON" -m pip install --quiet --require-hashes -r requirements-slurm.txt

work=$(mktemp -d /tmp/llmcost-slurm.XXXXXX)
stop() { "$ROOT/.ci/local-slurm.sh" stop || true; rm -rf "$work"; }
trap stop EXIT
.ci/local-slurm.sh start

echo "== 1. every artifact through profiles/slurm, compared with the committed results/"
start=$(date +%s)
timeout --foreground -s INT "$LIMIT" "$PYTHON" scripts/check_results.py --profile profiles/slurm 2>&1 \
  | tee "$work/check.log"
echo "   (all jobs through SLURM in $(( $(date +%s) - start )) s)"

echo "== 2. bad input through profiles/slurm: one run's step log loses a token column"
"$PYTHON" - "$work" <<'PY'
import shutil
import sys
from pathlib import Path
sys.path.insert(0, "scripts")
import pandas as pd
from check_results import copy_workflow
workdir = copy_workflow(Path(sys.argv[1]) / "repo")
shutil.copytree("results", workdir / "results")  # the last good run's artifacts, older than the bad file
log = next(workdir.glob("data/capo/main_results/gsm8k/qwen/CAPO/seed43/*/*/step_results_eval.csv.gz"))
frame = pd.read_csv(log).drop(columns=["output_tokens_downstream_llm"])
log.unlink()
frame.to_csv(log.with_suffix(""), index=False)
PY
cd "$work/repo"
before=$(find results -type f -exec sha256sum {} + | sort)
set +e
timeout --foreground -s INT "$LIMIT" "$PYTHON" -m snakemake --profile profiles/slurm > run.log 2>&1
status=$?
set -e
after=$(find results -type f -exec sha256sum {} + | sort)
cat run.log | tail -25
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] || { echo "FAIL: exit status $status, expected a failure"; exit 1; }
grep -q "step_results_eval.csv: missing column(s) output_tokens_downstream_llm" run.log \
  || { echo "FAIL: the bad-input message did not reach the terminal"; exit 1; }
! grep -q "^ *input: " run.log \
  || { echo "FAIL: the failed job's block shows the job step's whole output, not its error"; exit 1; }
[ "$before" = "$after" ] || { echo "FAIL: results/ changed after a failed run"; exit 1; }
! grep -E "trying to guess|sacct: invalid option" "$work/check.log" run.log \
  || { echo "FAIL: the executor's account guess reached the terminal (docs/slurm.md)"; exit 1; }
echo "== SLURM: byte-identical regeneration; bad input: exit $status, message shown alone, results/ unchanged"
