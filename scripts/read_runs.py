"""Rule read_runs: every run of one dataset, read once for every stage (and once ever: a run
unchanged since an earlier job comes from the run cache); and the dataset's score curve (its
cells' curves: a new seed recomputes only its own dataset's, and the score figure does not wait
for the optimization summary)."""

from llmcost.discovery import Run
from llmcost.optimization import score_curve
from llmcost.manifest import remove_earlier_manifests, step_log_paths
from llmcost.outputs import run_rule, write_parquet
from llmcost.run_cache import derived_runs
from llmcost.runs import racing_table, steps_table


def main(snakemake):
    runs = [Run.from_log_path(snakemake.params.root, path) for path in step_log_paths(snakemake.input.runs)]
    derived = derived_runs(runs, snakemake.params.cache, snakemake.wildcards.dataset,
                           snakemake.params.time_elapsed)
    steps = steps_table(runs, [run.columns for run in derived])
    write_parquet(snakemake.output.steps, steps)
    write_parquet(snakemake.output.curve, score_curve(steps[steps["has_test_score"]]))
    write_parquet(snakemake.output.racing, racing_table(runs, [run.racing for run in derived]))
    remove_earlier_manifests(snakemake.input.runs)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
