"""Rule token_figures: token totals per cell (mean over seeds and the seeds' range), meta vs
downstream, input vs output; and cumulative input tokens over optimizer steps."""

import pandas as pd
from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_cumulative_figure, token_usage_figure
from llmcost.tokens import cumulative_input

STEP_COLUMNS = ["dataset", "model", "optimizer", "run", "step", "input_tokens_meta_llm",
                "input_tokens_downstream_llm"]


def main(snakemake):
    optimizer = snakemake.params.optimizer
    save_figure(token_usage_figure(read_csv(snakemake.input.runs), optimizer), snakemake.output.usage_pdf,
                snakemake.output.usage_png)
    # only the columns the figure needs: half the reading time of the per-dataset step tables
    steps = pd.concat([pd.read_parquet(path, columns=STEP_COLUMNS) for path in snakemake.input.steps],
                      ignore_index=True)
    save_figure(token_cumulative_figure(cumulative_input(steps, optimizer), optimizer),
                snakemake.output.cumulative_pdf, snakemake.output.cumulative_png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
