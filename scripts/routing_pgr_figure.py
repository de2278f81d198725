"""Rule routing_pgr_figure: PGR against routed share with bootstrap bands, every dataset."""

import json
from pathlib import Path

from llmcost.outputs import run_rule
from llmcost.plotting import save_figure
from llmcost.routing_metric_figures import pgr_figure


def main(snakemake):
    by_dataset = {}
    for path in snakemake.input.metrics:  # routing/datasets/{dataset}/metrics.json
        with open(path, encoding="utf-8") as handle:
            by_dataset[Path(path).parent.name] = json.load(handle)
    save_figure(pgr_figure(by_dataset), snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
