"""Rule token_tables: the LaTeX tables of the token stage, and their HTML copies for the report."""

from llmcost.outputs import read_csv, run_rule, write_text
from llmcost.report_html import HTML, write_table_view
from llmcost.tokens import token_fraction_cells, token_fraction_table, token_usage_cells, token_usage_table


def main(snakemake):
    summary = read_csv(snakemake.input.summary)
    optimizer = snakemake.params.optimizer
    write_text(snakemake.output.fraction, token_fraction_table(summary, optimizer))
    write_text(snakemake.output.usage, token_usage_table(summary, optimizer))
    write_table_view(snakemake.output.fraction_view, token_fraction_cells(summary, optimizer, HTML))
    write_table_view(snakemake.output.usage_view, token_usage_cells(summary, optimizer, HTML))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
