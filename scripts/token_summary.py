"""Rule token_summary: per-run totals and per-cell means over seeds."""

import pandas as pd

from llmcost.outputs import run_rule, write_csv, write_json
from llmcost.report_html import write_data_views
from llmcost.tokens import run_totals, summarize, summary_document


def main(snakemake):
    steps = pd.concat([pd.read_parquet(path) for path in snakemake.input.steps], ignore_index=True)
    runs = run_totals(steps)
    summary = summarize(runs)
    write_csv(snakemake.output.runs, runs)
    write_csv(snakemake.output.summary_csv, summary)
    write_json(snakemake.output.summary_json, summary_document(summary))
    write_data_views(snakemake)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
