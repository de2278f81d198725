"""Rule token_steps: the per-step token table of one dataset's runs."""

from llmcost.discovery import Run
from llmcost.outputs import run_rule, write_csv
from llmcost.tokens import steps_of_runs


def main(snakemake):
    runs = [Run.from_log_path(snakemake.params.root, path) for path in snakemake.input.logs]
    steps = steps_of_runs(runs)
    write_csv(snakemake.output.steps, steps)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
