"""Rule routing_figures: delta_IBC against routed share, every dataset and router; PGR against
routed share with bootstrap bands, every dataset; the routers compared pair by pair (forest plot)."""

from pathlib import Path

from llmcost.outputs import read_json, run_rule
from llmcost.plotting import save_figure
from llmcost.routing_figures import delta_ibc_figure, read_sweep_outputs
from llmcost.routing_comparison import across_datasets, comparison_frame
from llmcost.routing_metric_figures import pgr_figure, routing_comparison_figure


def main(snakemake):
    curves, sweeps, summaries = {}, {}, {}
    for curve_path, summary_path in zip(snakemake.input.curves, snakemake.input.summaries):
        folder = Path(curve_path).parent  # the dataset's folder holds its curve and sweeps
        sweep_paths = [path for path in snakemake.input.sweeps if Path(path).parent == folder]
        curve, swept, summary = read_sweep_outputs(curve_path, sweep_paths, summary_path)
        dataset = summary["dataset"]
        curves[dataset], sweeps[dataset], summaries[dataset] = curve, swept, summary
    save_figure(delta_ibc_figure(curves, sweeps, summaries), snakemake.output.delta_ibc_pdf,
                snakemake.output.delta_ibc_png)
    by_dataset = {Path(path).parent.name: read_json(path)  # routing/datasets/{dataset}/metrics.json
                  for path in snakemake.input.metrics}
    save_figure(pgr_figure(by_dataset), snakemake.output.pgr_pdf, snakemake.output.pgr_png)
    compared = {Path(path).stem: read_json(path) for path in snakemake.input.comparisons}  # comparison/{dataset}.json
    compared = {dataset: compared[dataset] for dataset in summaries}  # in the summaries' order
    save_figure(routing_comparison_figure(comparison_frame(compared, across_datasets(compared))),
                snakemake.output.comparison_pdf, snakemake.output.comparison_png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
