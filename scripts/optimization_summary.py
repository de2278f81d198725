"""Rule optimization_summary: per-run scores at budgets, per-cell means, racing, wall-clock."""

import pandas as pd

from llmcost.optimization import optimization_results
from llmcost.outputs import run_rule, write_csv, write_json
from llmcost.report_html import write_data_views


def main(snakemake):
    steps = pd.concat([pd.read_parquet(path) for path in snakemake.input.steps], ignore_index=True)
    racing = pd.concat([pd.read_parquet(path) for path in snakemake.input.racing], ignore_index=True)
    results = optimization_results(steps, racing, snakemake.params.budgets)  # warns about runs left out
    write_csv(snakemake.output.runs, results.runs)
    write_csv(snakemake.output.scores, results.scores)
    write_json(snakemake.output.summary, results.summary)
    write_data_views(snakemake)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
