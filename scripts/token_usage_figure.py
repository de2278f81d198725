"""Rule token_usage_figure: mean token totals per cell, meta vs downstream, input vs output."""

from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_usage_figure


def main(snakemake):
    summary = read_csv(snakemake.input.summary)
    fig = token_usage_figure(summary, snakemake.params.optimizer)
    save_figure(fig, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
