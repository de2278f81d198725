"""Rule optimization_summary: per-run scores at budgets, per-cell means, racing, wall-clock; then,
from runs.csv and scores.csv as published, the optimizers' test scores at the table budget, the
racing savings and the optimizers compared pair by pair (comparison.csv, its table and its figure:
P(X > Y) with its 95 % interval per pair and budget); and the HTML copies for the report."""

import pandas as pd

from llmcost.optimization import RESULT_COLUMNS, optimization_results, racing_savings
from llmcost.optimization_figures import optimizer_comparison_figure
from llmcost.optimization_tables import (optimizer_comparison_cells, optimizer_comparison_table,
                                         optimizer_scores_cells, optimizer_scores_table, racing_savings_cells,
                                         racing_savings_table)
from llmcost.optimizer_comparison import optimizer_comparison
from llmcost.outputs import read_csv, run_rule, write_csv, write_json, write_text
from llmcost.plotting import save_figure
from llmcost.report_html import HTML, write_data_views, write_table_view


def main(snakemake):
    steps = pd.concat([pd.read_parquet(path, columns=RESULT_COLUMNS) for path in snakemake.input.steps],
                      ignore_index=True)
    racing = pd.concat([pd.read_parquet(path) for path in snakemake.input.racing], ignore_index=True)
    results = optimization_results(steps, racing, snakemake.params.budgets)  # warns about runs left out
    write_csv(snakemake.output.runs, results.runs)
    write_csv(snakemake.output.scores, results.scores)
    write_json(snakemake.output.summary, results.summary)
    tables(snakemake, read_csv(snakemake.output.runs), read_csv(snakemake.output.scores))
    write_data_views(snakemake)  # runs.csv, scores.csv, summary.json, comparison.csv


def tables(snakemake, runs, scores):
    """The tables and the comparison, from runs.csv and scores.csv as a reader of them has them."""
    budget = snakemake.params.table_budget
    racing = racing_savings(runs)
    write_text(snakemake.output.scores_table, optimizer_scores_table(scores, budget))
    write_text(snakemake.output.racing_table, racing_savings_table(racing, runs))
    write_table_view(snakemake.output.scores_table_view, optimizer_scores_cells(scores, budget, HTML))
    write_table_view(snakemake.output.racing_table_view, racing_savings_cells(racing, HTML, runs))

    settings = snakemake.params.comparison
    resamples, seed, permutations = settings["resamples"], settings["seed"], settings["permutations"]
    optimizers = sorted(runs["optimizer"].unique())
    comparison = optimizer_comparison(runs, snakemake.params.budgets, resamples, seed, permutations)
    write_csv(snakemake.output.comparison, comparison)
    write_text(snakemake.output.comparison_table,
               optimizer_comparison_table(comparison, optimizers, resamples, seed, permutations))
    frame, notes = optimizer_comparison_cells(comparison, optimizers, resamples, seed, permutations, HTML)
    if frame.columns.nlevels > 1:  # the report's table has one header row: "1M: quantity" (narrow enough that
        # the four columns of three budgets fit the report's window; its caption says the budgets in tokens)
        frame.columns = [f"{budget.removesuffix(' tokens')}: {quantity}" for budget, quantity in frame.columns]
    write_table_view(snakemake.output.comparison_table_view, (frame, notes))
    figure = optimizer_comparison_figure(read_csv(snakemake.output.comparison), snakemake.params.found["optimizers"])
    save_figure(figure, snakemake.output.comparison_pdf, snakemake.output.comparison_png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
