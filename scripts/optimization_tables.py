"""Rule optimization_tables: optimizers' test scores at the table budget; racing savings; the
optimizers compared pair by pair (comparison.csv and its table); and their HTML copies for the report."""

from llmcost.optimization import racing_savings
from llmcost.optimization_tables import (optimizer_comparison_cells, optimizer_comparison_table,
                                         optimizer_scores_cells, optimizer_scores_table, racing_savings_cells,
                                         racing_savings_table)
from llmcost.optimizer_comparison import optimizer_comparison
from llmcost.outputs import read_csv, run_rule, write_csv, write_text
from llmcost.report_html import HTML, write_data_views, write_table_view


def main(snakemake):
    scores = read_csv(snakemake.input.scores)
    runs = read_csv(snakemake.input.runs)
    budget = snakemake.params.table_budget
    racing = racing_savings(runs)
    write_text(snakemake.output.scores, optimizer_scores_table(scores, budget))
    write_text(snakemake.output.racing, racing_savings_table(racing, runs))
    write_table_view(snakemake.output.scores_view, optimizer_scores_cells(scores, budget, HTML))
    write_table_view(snakemake.output.racing_view, racing_savings_cells(racing, HTML, runs))

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
    write_data_views(snakemake)  # comparison.csv


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
