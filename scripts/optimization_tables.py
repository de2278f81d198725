"""Rule optimization_tables: optimizers' test scores at the table budget; racing savings."""

from llmcost.optimization import racing_savings
from llmcost.optimization_tables import optimizer_scores_table, racing_savings_table
from llmcost.outputs import read_csv, run_rule, write_text


def main(snakemake):
    scores = read_csv(snakemake.input.scores)
    write_text(snakemake.output.scores, optimizer_scores_table(scores, snakemake.params.table_budget))
    write_text(snakemake.output.racing, racing_savings_table(racing_savings(read_csv(snakemake.input.runs))))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
