# Parse-time logic: config validation, discovery of the inputs, and the helper
# functions the rules use for their inputs. Nothing here reads a data file's
# contents; it only lists files.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from llmcost.discovery import discover_routing_datasets, discover_runs, runs_by_dataset  # noqa: E402
from llmcost.errors import InputError  # noqa: E402
from llmcost.routing_model import ROUTERS as ROUTER_SCORES, cost_model  # noqa: E402


def _parse_time(function, *args, **kwargs):
    """Run a discovery function; bad input stops Snakemake with its message only."""
    try:
        return function(*args, **kwargs)
    except InputError as error:
        raise WorkflowError(str(error)) from None


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

ROUTING = config["routing"]
ROUTING_DATASETS = _parse_time(
    discover_routing_datasets, ROUTING["logits"], ROUTING["router"], ROUTING["datasets"]
)
ROUTERS = list(ROUTER_SCORES)  # each sweep writes one file per router
_parse_time(cost_model, ROUTING["costs"])  # equal keep and route costs stop the run here


def lib(*modules):
    """The llmcost modules a job imports, as inputs: editing one reruns the jobs using it."""
    return [f"scripts/llmcost/{name}.py" for name in ("__init__", "errors", "outputs", *modules)]


def step_logs(wildcards):
    return [run.log_path for run in RUNS_BY_DATASET[wildcards.dataset]]


def token_artifacts():
    return [
        "results/tokens/runs.csv",
        "results/tokens/summary.csv",
        "results/tokens/summary.json",
        "results/tables/token_fraction.tex",
        "results/tables/token_usage.tex",
        *expand("results/figures/token_{name}.{ext}", name=["usage", "cumulative"], ext=["pdf", "png"]),
    ]


def routing_artifacts():
    return [
        *expand("results/routing/{dataset}/{router}_sweep.json", dataset=ROUTING_DATASETS, router=ROUTERS),
        *expand("results/routing/{dataset}/curve.csv", dataset=ROUTING_DATASETS),
        "results/routing/summary.json",
        "results/tables/routing_ibc.tex",
        *expand("results/figures/routing_{name}.{ext}", name=[*ROUTING_DATASETS, "delta_ibc"],
                ext=["pdf", "png"]),
    ]


def all_artifacts():
    return token_artifacts() + routing_artifacts()
