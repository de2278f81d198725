"""Rule token_summary: per-run totals and per-cell means over seeds; the LaTeX tables of the token
stage made from that summary.csv; and their HTML copies for the report."""

import pandas as pd

from llmcost.outputs import read_csv, run_rule, write_csv, write_json, write_text
from llmcost.report_html import HTML, write_data_views, write_table_view
from llmcost.tokens import (TOTALS_COLUMNS, run_totals, summarize, summary_document, token_fraction_cells,
                            token_fraction_table, token_usage_cells, token_usage_table)


def main(snakemake):
    steps = pd.concat([pd.read_parquet(path, columns=TOTALS_COLUMNS) for path in snakemake.input.steps],
                      ignore_index=True)
    runs = run_totals(steps)
    summary = summarize(runs)
    write_csv(snakemake.output.runs, runs)
    write_csv(snakemake.output.summary_csv, summary)
    write_json(snakemake.output.summary_json, summary_document(summary))
    write_data_views(snakemake)

    summary = read_csv(snakemake.output.summary_csv)  # the tables are made from summary.csv as published
    optimizer = snakemake.params.optimizer
    write_text(snakemake.output.fraction, token_fraction_table(summary, optimizer))
    write_text(snakemake.output.usage, token_usage_table(summary, optimizer))
    write_table_view(snakemake.output.fraction_view, token_fraction_cells(summary, optimizer, HTML))
    write_table_view(snakemake.output.usage_view, token_usage_cells(summary, optimizer, HTML))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
