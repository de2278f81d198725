"""Rule token_cumulative_figure: cumulative input tokens over optimizer steps."""

import pandas as pd

from llmcost.outputs import run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_cumulative_figure
from llmcost.tokens import cumulative_input


def main(snakemake):
    steps = pd.concat([pd.read_parquet(path) for path in snakemake.input.steps], ignore_index=True)
    optimizer = snakemake.params.optimizer
    cumulative = cumulative_input(steps, optimizer)
    fig = token_cumulative_figure(cumulative, optimizer)
    save_figure(fig, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
