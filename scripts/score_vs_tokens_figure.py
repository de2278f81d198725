"""Rule score_vs_tokens_figure: test score against cumulative input tokens, per dataset and model."""

import pandas as pd
from llmcost.optimization_figures import score_vs_tokens_figure
from llmcost.outputs import run_rule
from llmcost.plotting import save_figure


def main(snakemake):
    curve = pd.read_parquet(snakemake.input.curve)
    save_figure(score_vs_tokens_figure(curve, snakemake.params.budgets), snakemake.output.pdf,
                snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
