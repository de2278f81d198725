"""Rule token_cumulative_figure: cumulative input tokens over optimizer steps."""

import pandas as pd
from llmcost.outputs import run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_cumulative_figure
from llmcost.tokens import cumulative_input

COLUMNS = ["dataset", "model", "optimizer", "run", "step", "input_tokens_meta_llm", "input_tokens_downstream_llm"]


def main(snakemake):
    # only the columns the figure needs: half the reading time of the per-dataset step tables
    steps = pd.concat([pd.read_parquet(path, columns=COLUMNS) for path in snakemake.input.steps],
                      ignore_index=True)
    optimizer = snakemake.params.optimizer
    fig = token_cumulative_figure(cumulative_input(steps, optimizer), optimizer)
    save_figure(fig, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
