#!/usr/bin/env bash
# CI, defined once. `.ci/run` runs every part below, in this order, on a fresh machine; the
# GitHub workflow (.github/workflows/ci.yml) runs the same parts as jobs, each naming its own
# (tests/test_ci.py checks that together they run every part). Copy both into your own CI.
#
#   scripts/ci.sh                      every part (what .ci/run does)
#   scripts/ci.sh lint                 the parts named
#
#   system      TeX and poppler (the LaTeX tests, the paper), Chromium (the report test), SLURM
#               (the cluster test): Debian's packages, installed in the background while the
#               venv is built
#   lint        `snakemake --lint` reports nothing; `snakefmt --check` would change nothing
#   regenerate  `make` on the committed data leaves results/ as committed (git status)
#   changes     `make changes FAIL_ON=flipped` against CHANGES_BASE (default HEAD: a pull request's
#               base in the workflow); changes.md goes to the job's summary on GitHub
#   test        `make test`
#   paper       `make paper`, and what the PDF states
#   slurm       .ci/test-slurm.sh: the regeneration on a real SLURM cluster started here
#
# The venv comes from the lock (`make` installs exactly requirements.txt); a missing pdflatex or
# Chromium fails its tests instead of skipping them (CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
PARTS=(system lint regenerate changes test paper slurm)
SUDO=$([ "$(id -u)" -eq 0 ] || echo "sudo -n")

part_system() {
  scripts/ensure_tex.sh
  command -v chromium >/dev/null 2>&1 || { $SUDO apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }
  .ci/local-slurm.sh install
}

part_lint() {
  local output status=0
  output=$(.venv/bin/snakemake --lint 2>&1) || status=$?
  if [ "$status" -ne 0 ] || grep -q "Lints for" <<<"$output"; then
    echo "$output"
    echo "CI: snakemake --lint found something to fix (above)"
    return 1
  fi
  echo "CI: snakemake --lint reports nothing"
  .venv/bin/snakefmt --check Snakefile workflow/rules \
    || { echo "CI: snakefmt would reformat (run .venv/bin/snakefmt Snakefile workflow/rules)"; return 1; }
}

part_regenerate() {
  make
  local changed
  changed=$(git status --porcelain results/)
  if [ -n "$changed" ]; then
    echo "$changed"
    echo "CI: make changed the committed results/ (above). $(.venv/bin/python scripts/check_results.py --causes)"
    return 1
  fi
  echo "CI: make leaves results/ as committed"
}

part_changes() {
  local status=0
  make changes BASE="${CHANGES_BASE:-HEAD}" FAIL_ON=flipped || status=$?
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f changes.md ]; then
    cat changes.md >>"$GITHUB_STEP_SUMMARY"
  fi
  return "$status"
}

part_test() {
  make test
}

# The paper from the committed artifacts: `make paper` fails on any LaTeX error, undefined
# reference or undefined control sequence (scripts/build_paper.py).
part_paper() {
  make paper
  # the number, as numbers.tex prints it, not a phrase of the paper's wording (that lives in templates)
  local share
  share=$(sed -n 's/^\\newcommand{\\TokensDownstreamSharePctCAPO}{\([^}]*\)}.*/\1/p' results/numbers.tex)
  [ "$share" = "96.6" ] && pdftotext paper/main.pdf - | tr -s ' \n' ' ' | grep -qF "$share % " \
    || { echo "CI: paper/main.pdf does not state the overall CAPO downstream share as 96.6 %"; return 1; }
  echo "CI: paper/main.pdf states the overall CAPO downstream share as 96.6 %"
}

# The bundled regeneration on a real SLURM cluster started on this machine equals the committed
# results/, and bad input fails as locally (always stops the cluster; fails if it cannot start).
part_slurm() {
  .ci/test-slurm.sh
}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=("${PARTS[@]}")
for part in "${parts[@]}"; do
  [[ " ${PARTS[*]} " == *" $part "* ]] || { echo "CI: no part '$part' (the parts: ${PARTS[*]})"; exit 2; }
done

system=""
if [[ " ${parts[*]} " == *" system "* ]]; then
  part_system >.ci-system.log 2>&1 &  # one apt-get after the other, while the venv is built
  system=$!
fi
make .venv/.installed
if [ -n "$system" ]; then
  wait "$system" || { cat .ci-system.log; echo "CI: installing the system packages failed"; exit 1; }
  cat .ci-system.log
  make .venv/.fonts  # apt-get too (a CJK font), so after the others
fi
for part in "${parts[@]}"; do
  [ "$part" = system ] && continue
  echo "== CI: $part"
  "part_$part"
done
