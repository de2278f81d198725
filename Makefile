# The newcomer's wrappers around Snakemake. `make` runs the pipeline on the
# bundled data; `make test` runs the tests. Both create .venv on first use, from the lock.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 8
# The lock the venv holds: requirements.txt, or requirements-slurm.txt (the same and the SLURM
# executor plugin) once `make slurm` asked for it.
LOCK = $(if $(wildcard $(VENV)/.slurm),requirements-slurm.txt,requirements.txt)
# Settings for `make`, `make report` and `make paper` alike, as Snakemake's --config
# takes them (shell words: quote nested values), e.g.
#   make report CONFIG="output=my_results 'tokens={\"runs\": \"/path/to/runs\"}'"
CONFIG ?=
OUTPUT := $(or $(patsubst output=%,%,$(filter output=%,$(CONFIG))),results)
SNAKEMAKE_CONFIG := $(if $(CONFIG),--config $(CONFIG))

.PHONY: all test test-slurm slurm check report paper changes bench lock ci clean-venv FORCE

all: $(VENV)/.installed $(VENV)/.fonts
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_CONFIG)
	@echo "The artifacts are in $(OUTPUT)/ (tables/, figures/, numbers.tex; docs/artifacts.md says what each is)."
	@echo "make report writes report.html, every figure and table with its caption: open it in a browser."

# The tests run in one process per core (pytest-xdist); the ten slowest and the suite's time
# (wall clock and CPU) are printed at the end.
test: $(VENV)/.installed $(VENV)/.fonts
	@scripts/ensure_tex.sh
	$(BIN)/pytest -n auto --dist worksteal --durations=10

# The bundled regeneration on a real SLURM cluster started on this machine
# (.ci/local-slurm.sh: Debian's slurmctld, slurmd, munge; needs root or sudo)
# equals the committed results/, and bad input fails as it does locally.
test-slurm: $(VENV)/.installed $(VENV)/.slurm
	.ci/test-slurm.sh

# The SLURM executor plugin, for profiles/slurm (docs/slurm.md): the venv then holds
# requirements-slurm.txt instead of requirements.txt. Not in the default install: Snakemake
# imports every installed executor plugin at each start. `make clean-venv` (or deleting
# .venv/.slurm) goes back to the default.
slurm: $(VENV)/.slurm

$(VENV)/.slurm: requirements-slurm.txt $(VENV)/.installed
	touch $@
	$(MAKE) --no-print-directory $(VENV)/.installed

# Regenerate everything from scratch in a clean copy; fail naming each file
# that differs from the results/ committed at HEAD (and the lock and platform as the
# first causes to look for).
check: $(VENV)/.installed
	$(BIN)/python scripts/check_results.py --cores $(CORES)

# One HTML page with every figure and table, with captions, grouped by stage.
report: $(VENV)/.installed $(VENV)/.fonts
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_CONFIG)
	$(BIN)/snakemake --report report.html $(SNAKEMAKE_CONFIG)
	@echo "report of $(OUTPUT)/ written to report.html: open it in a browser"

# The paper's results section (paper/main.tex) built from the published artifacts:
# paper/main.pdf. Needs pdflatex (texlive-latex-base, -recommended, -extra).
paper: $(VENV)/.installed $(VENV)/.fonts
	$(BIN)/snakemake --cores $(CORES) paper/main.pdf $(SNAKEMAKE_CONFIG)
	@echo "paper of $(OUTPUT)/ written to paper/main.pdf"

# What changed in the output folder's quoted numbers against a base: conclusions
# that flipped, numbers outside the base's interval, every other change, files and
# paper sections; the same as changes.md (beside report.html). BASE: a git revision
# (default HEAD, its committed numbers.json) or a numbers.json of your own.
# FAIL_ON=flipped (or outside): exit 1 when there is such a change.
BASE ?= HEAD
FAIL_ON ?=
changes: $(VENV)/.installed
	@$(BIN)/python scripts/changes.py --output '$(OUTPUT)' --base '$(BASE)' --fail-on '$(FAIL_ON)' --markdown changes.md

# Speed and memory: the pipeline's speed targets (this checkout against the base
# commit and the one-process floor), a new seed at 400, 4,000 and 20,000 runs, and the
# routing benchmarks; prints the tables and writes benchmarks/RESULTS.md.
# Its pipeline rows took 39 minutes on the shared 2-core machine (load 3 to 8), plus about 3 on
# first use to generate the synthetic runs (2.3 GB: 4000 distinct runs, the rest hard links) under
# benchmarks/work/ (delete that folder afterwards to free the space).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# The venv holds exactly the lock: every distribution at the lock's version and nothing else,
# and the workflow's logger plugin (a local package: installed after the lock with --no-deps,
# since a hash-checked install refuses an unhashed local path). Every target checks this first
# (scripts/check_venv.py, 0.1 s). Where the venv differs (made from an older checkout's lock, a
# package upgraded by hand), it prints one line for each package with both versions and installs
# the lock again: the pipeline never runs on other versions than the lock's. uv installs it (a
# new venv in 5 to 12 s, pip took 22 to 33: docs/development.md); uv itself comes from the lock,
# through pip with its hashes checked. `uv pip sync` keeps the setuptools that `python -m venv`
# put in (nothing here uses it at run time): it is removed after. The build area goes too, so
# that the next run makes every artifact again with the lock's versions (Snakemake reruns a job
# when its code, inputs or parameters change, not its packages).
$(VENV)/.installed: FORCE
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python scripts/check_venv.py $(LOCK) && [ -e $@ ] || { \
	  { [ -x $(BIN)/uv ] || { $(BIN)/python scripts/check_venv.py --entry uv $(LOCK) > $(VENV)/uv.txt && \
	    $(BIN)/pip install --quiet --require-hashes --no-deps -r $(VENV)/uv.txt; }; } && \
	  $(BIN)/uv pip sync --quiet --python $(BIN)/python $(LOCK) && \
	  extra="$$($(BIN)/python scripts/check_venv.py --not-in-lock $(LOCK))" && \
	  { [ -z "$$extra" ] || $(BIN)/uv pip uninstall --quiet --python $(BIN)/python $$extra; } && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --reinstall ./workflow/logger && \
	  $(BIN)/python scripts/check_venv.py $(LOCK) && rm -rf .build && touch $@; }

# Make the locks again from requirements.in and requirements-slurm.in (uv pip compile, for
# Python 3.11 on Linux, with every file's sha256): UPGRADE=all (the default) takes the newest
# version requirements.in allows of every distribution, UPGRADE=fonttools of that one alone, and
# an empty UPGRADE= none of them (after adding a requirement: every other pin stays). Then `make`, `make changes`,
# and commit the locks with results/ (docs/reruns.md).
UPGRADE ?= all
LOCK_FLAGS = --quiet --python-version 3.11 --python-platform linux --generate-hashes --custom-compile-command "make lock"
lock: $(VENV)/.installed
	$(BIN)/uv pip compile $(LOCK_FLAGS) $(if $(filter all,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE))) \
		requirements.in -o requirements.txt
	$(BIN)/uv pip compile $(LOCK_FLAGS) requirements-slurm.in -o requirements-slurm.txt
	@echo "Locks written. Next: make (installs them and regenerates), make changes, then commit the locks with results/."

# CI, the same everywhere (.ci/run and .github/workflows/ci.yml): scripts/ci.sh.
ci:
	scripts/ci.sh

FORCE:

# A font for Chinese, Japanese and Korean names in figures, tried once per venv
# (scripts/ensure_fonts.sh: installs fonts-noto-cjk where it can).
$(VENV)/.fonts: $(VENV)/.installed
	@scripts/ensure_fonts.sh $(BIN)/python
	@touch $@

clean-venv:
	rm -rf $(VENV)
