# The newcomer's wrappers around Snakemake. `make` runs the pipeline on the
# bundled data; `make test` runs the tests. Both create .venv on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 8
# Settings for `make`, `make report` and `make paper` alike, as Snakemake's --config
# takes them (shell words: quote nested values), e.g.
#   make report CONFIG="output=my_results 'tokens={\"runs\": \"/path/to/runs\"}'"
CONFIG ?=
OUTPUT := $(or $(patsubst output=%,%,$(filter output=%,$(CONFIG))),results)
SNAKEMAKE_CONFIG := $(if $(CONFIG),--config $(CONFIG))

.PHONY: all test test-slurm slurm check report paper changes bench clean-venv

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

# The SLURM executor plugin (requirements-slurm.txt), for profiles/slurm (docs/slurm.md). Not
# in the default install: Snakemake imports every installed executor plugin at each start.
slurm: $(VENV)/.slurm

$(VENV)/.slurm: requirements-slurm.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-slurm.txt
	touch $@

# Regenerate everything from scratch in a clean copy; fail naming each file
# that differs from the committed results/.
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

# Speed and memory: issue 37's pipeline targets (this checkout against the base
# commit and the one-process floor), a new seed at 400, 4,000 and 20,000 runs, and the
# routing benchmarks; prints the tables and writes benchmarks/RESULTS.md.
# Its pipeline rows took 39 minutes on the shared 2-core machine (load 3 to 8), plus about 3 on
# first use to generate the synthetic runs (2.3 GB: 4000 distinct runs, the rest hard links) under
# benchmarks/work/ (delete that folder afterwards to free the space).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# The venv is rebuilt when the pins or the workflow's logger plugin change. The SLURM
# plugin, which earlier pins installed here, is removed unless `make slurm` asked for it.
$(VENV)/.installed: requirements.txt workflow/logger/pyproject.toml workflow/logger/snakemake_logger_plugin_brief/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --force-reinstall ./workflow/logger
	@[ -e $(VENV)/.slurm ] || $(BIN)/pip uninstall --quiet --yes snakemake-executor-plugin-slurm \
		snakemake-executor-plugin-slurm-jobstep 2>/dev/null || true
	touch $@

# A font for Chinese, Japanese and Korean names in figures, tried once per venv
# (scripts/ensure_fonts.sh: installs fonts-noto-cjk where it can).
$(VENV)/.fonts: $(VENV)/.installed
	@scripts/ensure_fonts.sh $(BIN)/python
	@touch $@

clean-venv:
	rm -rf $(VENV)
