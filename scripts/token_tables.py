"""Rule token_tables: the LaTeX tables of the token stage."""

from llmcost.outputs import read_csv, run_rule, write_text
from llmcost.tokens import token_fraction_table, token_usage_table


def main(snakemake):
    summary = read_csv(snakemake.input.summary)
    optimizer = snakemake.params.optimizer
    write_text(snakemake.output.fraction, token_fraction_table(summary, optimizer))
    write_text(snakemake.output.usage, token_usage_table(summary, optimizer))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
