"""Rule routing_pgr_figure: PGR against routed share with bootstrap bands, every dataset."""

from pathlib import Path

from llmcost.outputs import read_json, run_rule
from llmcost.plotting import save_figure
from llmcost.routing_metric_figures import pgr_figure


def main(snakemake):
    by_dataset = {Path(path).parent.name: read_json(path)  # routing/datasets/{dataset}/metrics.json
                  for path in snakemake.input.metrics}
    save_figure(pgr_figure(by_dataset), snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
