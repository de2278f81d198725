"""Rule token_usage_figure: token totals per cell (mean over seeds and the seeds' range),
meta vs downstream, input vs output."""

from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_usage_figure


def main(snakemake):
    fig = token_usage_figure(read_csv(snakemake.input.runs), snakemake.params.optimizer)
    save_figure(fig, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
