"""Rule optimization_figures: test score against cumulative input tokens, per dataset and model;
and P(X > Y) with its 95 % interval per pair of optimizers and budget."""

import pandas as pd
from llmcost.optimization_figures import optimizer_comparison_figure, score_vs_tokens_figure
from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure


def main(snakemake):
    # each dataset's cells, in the datasets' sorted order: the rows of one curve of all cells
    curves = [pd.read_parquet(path) for path in snakemake.input.curves]
    curve = pd.concat([c for c in curves if len(c)] or curves[:1], ignore_index=True)
    save_figure(score_vs_tokens_figure(curve, snakemake.params.budgets), snakemake.output.score_pdf,
                snakemake.output.score_png)
    figure = optimizer_comparison_figure(read_csv(snakemake.input.comparison), snakemake.params.found["optimizers"])
    save_figure(figure, snakemake.output.comparison_pdf, snakemake.output.comparison_png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
