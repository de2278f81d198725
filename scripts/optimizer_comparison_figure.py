"""Rule optimizer_comparison_figure: P(X > Y) with its 95 % interval per pair of optimizers and budget."""

from llmcost.optimization_figures import optimizer_comparison_figure
from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure


def main(snakemake):
    comparison = read_csv(snakemake.input.comparison)
    figure = optimizer_comparison_figure(comparison, snakemake.params.found["optimizers"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
