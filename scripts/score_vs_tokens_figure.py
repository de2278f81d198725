"""Rule score_vs_tokens_figure: test score against cumulative input tokens, per dataset and model."""

import pandas as pd
from llmcost.optimization_figures import score_vs_tokens_figure
from llmcost.outputs import run_rule
from llmcost.plotting import save_figure


def main(snakemake):
    # each dataset's cells, in the datasets' sorted order: the rows of one curve of all cells
    curves = [pd.read_parquet(path) for path in snakemake.input.curves]
    curve = pd.concat([c for c in curves if len(c)] or curves[:1], ignore_index=True)
    save_figure(score_vs_tokens_figure(curve, snakemake.params.budgets), snakemake.output.pdf,
                snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
