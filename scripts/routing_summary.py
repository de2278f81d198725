"""Rule routing_summary: the per-dataset summaries and metrics combined, the routers compared pair by
pair on each dataset and across datasets, and the LaTeX tables."""

from pathlib import Path

from llmcost.outputs import read_json, run_rule, write_csv, write_json, write_text
from llmcost.report_html import HTML, write_data_views, write_table_view
from llmcost.routing import combine_summaries
from llmcost.routing_comparison import across_datasets, comparison_frame
from llmcost.routing_resampling import metrics_long
from llmcost.routing_tables import (routing_automix_frame, routing_automix_table, routing_comparison_frame,
                                    routing_comparison_table, routing_metrics_frame, routing_metrics_table,
                                    routing_table, routing_table_cells)


def main(snakemake):
    combined = combine_summaries([read_json(path) for path in snakemake.input.summaries])
    write_json(snakemake.output.summary, combined)
    write_text(snakemake.output.table, routing_table(combined))
    by_folder = {Path(path).parent.name: path for path in snakemake.input.metrics}  # datasets/{dataset}/
    metrics = {dataset: read_json(by_folder[dataset]) for dataset in combined}
    write_csv(snakemake.output.metrics, metrics_long(metrics))
    write_text(snakemake.output.metrics_table, routing_metrics_table(metrics))
    write_text(snakemake.output.automix_table, routing_automix_table(metrics))
    compared = {Path(path).stem: path for path in snakemake.input.comparisons}  # comparison/{dataset}.json
    compared = {dataset: read_json(compared[dataset]) for dataset in combined}
    comparison = comparison_frame(compared, across_datasets(compared))
    write_csv(snakemake.output.comparison, comparison)
    write_text(snakemake.output.comparison_table, routing_comparison_table(comparison))
    write_table_view(snakemake.output.table_view, routing_table_cells(combined, HTML))
    write_table_view(snakemake.output.comparison_table_view, routing_comparison_frame(comparison, HTML))
    write_table_view(snakemake.output.metrics_table_view, routing_metrics_frame(metrics, HTML))
    write_table_view(snakemake.output.automix_table_view, routing_automix_frame(metrics, HTML))
    write_data_views(snakemake)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
