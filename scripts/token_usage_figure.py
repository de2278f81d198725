"""Rule token_usage_figure: token totals per cell (mean over seeds and the seeds' range),
meta vs downstream, input vs output."""

from pathlib import Path

from llmcost.outputs import read_csv, run_rule
from llmcost.plotting import save_figure
from llmcost.token_figures import token_usage_figure


def main(snakemake):
    # The whiskers need each run's totals (tokens/runs.csv). The rule should list it as
    # input.runs; until it does, it is read beside summary.csv, written by the same job
    # (token_summary), so it is never older than the summary this job depends on.
    runs = snakemake.input.get("runs") or Path(snakemake.input.summary).with_name("runs.csv")
    fig = token_usage_figure(read_csv(runs), snakemake.params.optimizer)
    save_figure(fig, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
