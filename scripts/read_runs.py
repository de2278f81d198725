"""Rule read_runs: every run of one dataset, read once for every stage; and the dataset's
score curve (its cells' curves: a new seed recomputes only its own dataset's, and the score
figure does not wait for the optimization summary)."""

from llmcost.discovery import Run
from llmcost.optimization import score_curve
from llmcost.manifest import remove_earlier_manifests, step_log_paths
from llmcost.outputs import run_rule, write_parquet
from llmcost.runs import racing_of_runs, steps_of_runs


def main(snakemake):
    runs = [Run.from_log_path(snakemake.params.root, path) for path in step_log_paths(snakemake.input.runs)]
    steps = steps_of_runs(runs, snakemake.params.time_elapsed)
    write_parquet(snakemake.output.steps, steps)
    write_parquet(snakemake.output.curve, score_curve(steps[steps["has_test_score"]]))
    write_parquet(snakemake.output.racing, racing_of_runs(runs))
    remove_earlier_manifests(snakemake.input.runs)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
