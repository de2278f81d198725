"""Rule optimization_tables: optimizers' test scores at the table budget; racing savings; and
their HTML copies for the report."""

from llmcost.optimization import racing_savings
from llmcost.optimization_tables import (optimizer_scores_cells, optimizer_scores_table, racing_savings_cells,
                                         racing_savings_table)
from llmcost.outputs import read_csv, run_rule, write_text
from llmcost.report_html import HTML, write_table_view


def main(snakemake):
    scores = read_csv(snakemake.input.scores)
    budget = snakemake.params.table_budget
    racing = racing_savings(read_csv(snakemake.input.runs))
    write_text(snakemake.output.scores, optimizer_scores_table(scores, budget))
    write_text(snakemake.output.racing, racing_savings_table(racing))
    write_table_view(snakemake.output.scores_view, optimizer_scores_cells(scores, budget, HTML))
    write_table_view(snakemake.output.racing_view, racing_savings_cells(racing, HTML))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
