# Parse-time logic: config validation, discovery of the inputs, where artifacts
# are built and published, and the helper functions the rules use for their
# inputs. Nothing here reads a data file's contents; it only lists files.
import os
import shlex
import shutil
import sys
import threading
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.sourcecache import LocalSourceFile
from snakemake.utils import validate

# This workflow's own files (its code, schema, report captions, the paper's source) are
# found from its folder, the one holding its Snakefile: it runs from any working directory
# (snakemake -s <clone>/Snakefile -d <folder>) and as a module of another Snakefile, where
# workflow.basedir is that Snakefile's folder, hence the folder of this file instead. Data,
# config and outputs are relative to the working directory, as Snakemake runs them.
if not isinstance(workflow.current_basedir, LocalSourceFile):
    print(
        "Error: this workflow imports its own Python modules while Snakemake reads it, so it "
        "runs from a clone on this machine: git clone it and point `snakefile:` (or -s) at "
        "the clone's Snakefile instead of a remote one (docs/own-data.md).",
        file=sys.stderr,
    )
    raise SystemExit(1)
WORKFLOW_DIR = Path(str(workflow.current_basedir)).parents[1]
sys.path.insert(0, str(WORKFLOW_DIR / "scripts"))
from llmcost.config import (  # noqa: E402
    load_schema,
    schema_error_message,
    with_canonical_paths,
    with_numbers,
)
from llmcost.dependencies import imported_modules  # noqa: E402
from llmcost.discovery import (  # noqa: E402
    discover_routing_datasets,
    discover_runs,
    fingerprint,
    runs_by_dataset,
    runs_found,
)
from llmcost.errors import InputError  # noqa: E402
from llmcost.manifest import write_manifest  # noqa: E402
from llmcost.publish import area_name, build_area, check_output_folder  # noqa: E402
from llmcost.routing_model import ROUTERS as ROUTER_SCORES, cost_model  # noqa: E402


# Ctrl-C reaches every job of the run, and each of this workflow's jobs ends quietly,
# whatever it is doing (scripts/interrupt/sitecustomize.py): the shell of a job whose
# command runs one of its entry scripts starts it with SIGINT ignored (so that its Python
# cannot be interrupted before it can handle it) and the handler's folder first on its
# PYTHONPATH. bash holds the command it runs in BASH_EXECUTION_STRING; other commands (a
# module user's own rules) are left as they were. Kept before any prefix set earlier.
def quiet_ctrl_c_prefix():
    entry_scripts = sorted(
        path.name for path in (WORKFLOW_DIR / "scripts").glob("*.py")
    )
    ours = "|".join(f"*[./]{name}*" for name in entry_scripts)
    folder = WORKFLOW_DIR / "scripts/interrupt"
    return (
        f'case "$BASH_EXECUTION_STRING" in {ours}) trap "" INT; export LLMCOST_QUIET_CTRL_C=1 '
        f"PYTHONPATH={shlex.quote(str(folder))}${{{{PYTHONPATH:+:$PYTHONPATH}}}};; esac; "
    )


if shell.get_executable() and Path(shell.get_executable()).name == "bash":
    shell.prefix(
        quiet_ctrl_c_prefix()
        + (
            "set -euo pipefail; "  # Snakemake's own prefix for bash
            if shell._process_prefix is None
            else shell._process_prefix.replace("{", "{{").replace("}", "}}")
        )
    )


def workflow_file(path):
    """A file of this workflow (``path`` from its folder) as a rule's input or command takes
    it: from the working directory when inside it (a run in the clone, as always), else
    absolute."""
    absolute = WORKFLOW_DIR / path
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


def stop(message):
    """Stop while Snakemake reads the workflow: the message only, no traceback."""
    print(f"Error: {message}", file=sys.stderr)
    raise SystemExit(1)


def _parse_time(function, *args, **kwargs):
    """Run a discovery function; bad input stops Snakemake with its message only."""
    try:
        return function(*args, **kwargs)
    except InputError as error:
        stop(error)


# Nested --config values arrive as text: numbers where the schema says so. After the
# check (which fills in the defaults), every path setting gets one spelling (llmcost/config.py).
SCHEMA = WORKFLOW_DIR / "workflow/schemas/config.schema.yaml"
config.update(with_numbers(config, load_schema(SCHEMA)))
try:
    validate(config, schema=str(SCHEMA))
except WorkflowError:
    stop(schema_error_message(config, load_schema(SCHEMA)))
config.update(with_canonical_paths(config))


# Jobs write into the build area; only the publish rule writes the output folder,
# and only after every other job has succeeded (see llmcost/publish.py). Each
# output folder has its own build area and its own logs, so that runs into
# different folders never overwrite each other's files.
OUTPUT = config["output"]
BUILD = build_area(OUTPUT)
LOGS = f"logs/{area_name(OUTPUT)}"


def built(path):
    """Where a job builds the artifact that is published as ``{output}/{path}``."""
    return f"{BUILD}/artifacts/{path}"


def logged(path):
    """A job's log, in the logs of this output folder."""
    return f"{LOGS}/{path}"


def intermediate(path):
    """A file that jobs pass to each other and that is never published."""
    return f"{BUILD}/intermediate/{path}"


# The report (snakemake --report) lists each artifact by its published path. It
# shows images and HTML inside the page but offers .tex, .csv and .json only as
# downloads, so each table and data artifact also gets a readable HTML copy (a
# "view", llmcost/report_html.py) that the report shows and publish never copies.
def shown(artifact, caption, category, subcategory):
    """A published artifact, marked for the report under its published path."""
    return report(
        built(artifact),
        caption=caption,
        category=category,
        subcategory=subcategory,
        labels={"artifact": artifact},
    )


def view(artifact, caption, category, subcategory):
    """The report's readable HTML copy of an artifact (made beside it, never published)."""
    return report(
        intermediate(f"report/{artifact}.html"),
        caption=caption,
        category=category,
        subcategory=subcategory,
        labels={"artifact": f"{artifact} (table)"},
    )


TOKENS = config["tokens"]
RUNS = _parse_time(
    discover_runs,
    TOKENS["runs"],
    datasets=TOKENS["datasets"],
    models=TOKENS["models"],
    optimizers=TOKENS["optimizers"],
    seeds=TOKENS["seeds"],
    run_choice=TOKENS["run_choice"],
)
RUNS_BY_DATASET = runs_by_dataset(RUNS)
TOKEN_DATASETS = sorted(RUNS_BY_DATASET)
# counts and names, a param of the jobs whose captions state them
RUNS_FOUND = runs_found(RUNS)
_OPTIMIZERS_FOUND = sorted({run.optimizer for run in RUNS})
if RUNS and TOKENS["table_optimizer"] not in _OPTIMIZERS_FOUND:
    stop(
        f"config tokens.table_optimizer is {TOKENS['table_optimizer']!r}, but the runs under "
        f"{TOKENS['runs']} have no such optimizer (found: {', '.join(_OPTIMIZERS_FOUND)}). Set it to one of "
        f'those, e.g. --config \'tokens={{"table_optimizer": "{_OPTIMIZERS_FOUND[0]}"}}\'.'
    )

OPTIMIZATION = config["optimization"]
if OPTIMIZATION["table_budget"] not in OPTIMIZATION["budgets"]:
    stop(
        f"config optimization.table_budget is {OPTIMIZATION['table_budget']:g}, which is not among "
        f"optimization.budgets ({', '.join(f'{b:g}' for b in OPTIMIZATION['budgets'])}). Add it to "
        f"the budgets or choose one of them."
    )

ROUTING = config["routing"]
# routing.logits and routing.router both null: a project without routing data, and no
# routing artifact, number or paper section beyond the sentence saying so
_NULL = [key for key in ("logits", "router") if ROUTING[key] is None]
ROUTING_ON = len(_NULL) < 2
if len(_NULL) == 1:
    _OTHER = "router" if _NULL == ["logits"] else "logits"
    stop(
        f"config routing.{_NULL[0]} is null but routing.{_OTHER} is not: set both to file "
        f"patterns with {{dataset}} (the routing analysis), or both to null (none)."
    )
ROUTER_FILES = (
    _parse_time(
        discover_routing_datasets,
        ROUTING["logits"],
        ROUTING["router"],
        ROUTING["datasets"],
    )
    if ROUTING_ON
    else {}
)
ROUTING_DATASETS = list(ROUTER_FILES)
ROUTERS = list(ROUTER_SCORES)  # each sweep writes one file per router
# equal keep and route costs stop the run here
_parse_time(cost_model, ROUTING["costs"])


def code_of(script):
    """The llmcost modules a rule's script imports, directly or through each other, as inputs:
    editing one reruns exactly the jobs that run it. Derived from the code, never listed by
    hand (llmcost/dependencies.py)."""
    return [
        workflow_file(f"scripts/llmcost/{name}.py")
        for name in imported_modules(
            WORKFLOW_DIR / "scripts" / script, WORKFLOW_DIR / "scripts/llmcost"
        )
    ]


# read_runs reads a dataset's runs through one manifest file (llmcost/manifest.py:
# each step and racing log with its size and modification time, named by their
# digest), instead of taking thousands of step logs as inputs: Snakemake matches
# fewer paths, and hashes no step log after the job. A changed, added or removed
# run gives the job another manifest, which reruns it (also when a changed file's
# time went back: rsync -a, cp -p and tar keep old times).
RUN_MANIFESTS = {
    dataset: write_manifest(f"{BUILD}/inputs/runs/{dataset}", runs)
    for dataset, runs in RUNS_BY_DATASET.items()
}
# What read_runs derived from each run, kept so that a run is read once, ever
# (llmcost/run_cache.py); in the build area, and removed with it.
RUN_CACHE = f"{BUILD}/cache/runs"


def start_without_run_cache():
    """A run forcing every job (--forceall: `make check`) or read_runs (-R read_runs) reads
    every run again: it starts by deleting the run cache. Called before any job runs."""
    settings = workflow.dag_settings
    if settings is not None and (settings.forceall or "read_runs" in settings.forcerun):
        shutil.rmtree(RUN_CACHE, ignore_errors=True)


def router_file(kind):
    index = 0 if kind == "logits" else 1
    return lambda wildcards: ROUTER_FILES[wildcards.dataset][index]


def router_files_fingerprint(wildcards):
    return fingerprint(ROUTER_FILES[wildcards.dataset])


def token_artifacts():
    return [
        "tokens/runs.csv",
        "tokens/summary.csv",
        "tokens/summary.json",
        "tables/token_fraction.tex",
        "tables/token_usage.tex",
        *expand(
            "figures/token_{name}.{ext}",
            name=["usage", "cumulative"],
            ext=["pdf", "png"],
        ),
    ]


# Every per-dataset artifact lives in a {stage}/datasets/{dataset}/ folder and no
# combined artifact ever does, so no dataset name can collide with a combined one.
def routing_artifacts():
    if not ROUTING_ON:
        return []
    return [
        *expand(
            "routing/datasets/{dataset}/{router}_sweep.json",
            dataset=ROUTING_DATASETS,
            router=ROUTERS,
        ),
        *expand(
            "routing/datasets/{dataset}/{name}",
            dataset=ROUTING_DATASETS,
            name=[
                "curve.csv",
                "metrics.json",
                "cost_performance.pdf",
                "cost_performance.png",
            ],
        ),
        "routing/summary.json",
        "routing/metrics.csv",
        "routing/comparison.csv",
        "tables/routing_ibc.tex",
        "tables/routing_metrics.tex",
        "tables/routing_automix.tex",
        "tables/routing_comparison.tex",
        *expand(
            "figures/routing_{name}.{ext}",
            name=["delta_ibc", "pgr", "comparison"],
            ext=["pdf", "png"],
        ),
    ]


def optimization_artifacts():
    return [
        "optimization/runs.csv",
        "optimization/scores.csv",
        "optimization/summary.json",
        "optimization/comparison.csv",
        "tables/optimizer_scores.tex",
        "tables/racing_savings.tex",
        "tables/optimizer_comparison.tex",
        *expand(
            "figures/{name}.{ext}",
            name=["score_vs_tokens", "optimizer_comparison"],
            ext=["pdf", "png"],
        ),
    ]


ARTIFACTS = sorted(
    token_artifacts()
    + optimization_artifacts()
    + routing_artifacts()
    + ["numbers.json", "numbers.tex"]
)
# Refused before any job runs: an output folder holding a file that publishing did not
# make, inside another output folder or the build area, or a mount point.
_parse_time(check_output_folder, OUTPUT, ARTIFACTS)


# Every table and data artifact has a view in the report, except the exact curves
# (a row per distinct threshold: up to one per query, shown as figures instead).
VIEWS = [
    intermediate(f"report/{artifact}.html")
    for artifact in ARTIFACTS
    if Path(artifact).suffix in (".tex", ".csv", ".json")
    and Path(artifact).name != "curve.csv"
]

# The files jobs pass to each other.
INTERMEDIATES = [
    *expand(
        intermediate("{kind}/{dataset}.parquet"),
        kind=["steps", "racing", "curve"],
        dataset=TOKEN_DATASETS,
    ),
    *expand(intermediate("routing/{dataset}.json"), dataset=ROUTING_DATASETS),
    *expand(
        intermediate("routing/comparison/{dataset}.json"), dataset=ROUTING_DATASETS
    ),
]


def build_files():
    """Every file the jobs build: the artifacts, the files they pass each other, the report's views."""
    return [built(artifact) for artifact in ARTIFACTS] + INTERMEDIATES + VIEWS


# publish's record that it published a complete build area: its last output, written after it
# succeeds. A failed job's outputs are deleted, and Snakemake does not look past a missing
# intermediate file to the changed input behind it: it would say "Nothing to be done" while the
# bad input is still there. So where a file of the build area is missing when Snakemake starts,
# the record goes too: publish reruns, and with it every job whose files are missing (the failing
# job runs, and fails, again). A file, not a param: a param's value is recorded when the DAG is
# built, before the jobs make the files, so it would differ on the next run and rerun publish
# after every run that rebuilt the area, unless a profile turned the params trigger off.
PUBLISHED = f"{BUILD}/published"
if not all(os.path.exists(path) for path in build_files()):
    Path(PUBLISHED).unlink(missing_ok=True)


#: What the publish job runs, as its inputs: an edit republishes.
PUBLISH_SCRIPT = workflow_file("scripts/publish_artifacts.py")
PUBLISH_CODE = code_of("publish_artifacts.py")


def cancel_rate_limiter_timers():
    """Cancel the timer that Snakemake's job rate limiter leaves running after the last job
    (threading.Timer, scheduling/job_scheduler.py: it only wakes the finished scheduler), so
    that Python exits at once instead of waiting for it (1 s, the default timespan)."""
    for thread in threading.enumerate():
        name = getattr(getattr(thread, "function", None), "__qualname__", "")
        if isinstance(thread, threading.Timer) and "_schedule_reevalutation" in name:
            thread.cancel()


def compare_params_without_pandas():
    """Snakemake compares each job's params with its last run's to decide what reruns, and for
    that imports pandas whenever it is installed (persistence: _serialize_param), to hash a
    DataFrame param: 0.2 to 0.3 s of every run's start, a quarter of a no-op. No param of this
    workflow is a DataFrame, Series or Index, and for every other value the comparison is the
    same without pandas (the pandas variant hands them to the built-in one), so the records of
    earlier runs stay valid. Skipped where a Snakemake version has no such method."""
    from snakemake import persistence

    base = getattr(persistence, "PersistenceBase", None)
    if base is not None and hasattr(base, "_serialize_param_builtin"):
        base._serialize_param = property(lambda self: self._serialize_param_builtin)


compare_params_without_pandas()
