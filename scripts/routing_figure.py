"""Rule routing_figure: cost against performance for one dataset."""

from llmcost.outputs import run_rule
from llmcost.plotting import save_figure
from llmcost.routing_figures import cost_performance_figure, read_sweep_outputs


def main(snakemake):
    curve, sweeps, summary = read_sweep_outputs(snakemake.input.curve, snakemake.input.sweeps,
                                                snakemake.input.summary)
    save_figure(cost_performance_figure(curve, sweeps, summary), snakemake.output.pdf,
                snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
