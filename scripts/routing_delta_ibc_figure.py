"""Rule routing_delta_ibc_figure: delta_IBC against routed share, every dataset and router."""

from pathlib import Path

from llmcost.outputs import run_rule
from llmcost.plotting import save_figure
from llmcost.routing_figures import delta_ibc_figure, read_sweep_outputs


def main(snakemake):
    curves, sweeps, summaries = {}, {}, {}
    for curve_path, summary_path in zip(snakemake.input.curves, snakemake.input.summaries):
        folder = Path(curve_path).parent  # the dataset's folder holds its curve and sweeps
        sweep_paths = [path for path in snakemake.input.sweeps if Path(path).parent == folder]
        curve, swept, summary = read_sweep_outputs(curve_path, sweep_paths, summary_path)
        dataset = summary["dataset"]
        curves[dataset], sweeps[dataset], summaries[dataset] = curve, swept, summary
    save_figure(delta_ibc_figure(curves, sweeps, summaries), snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
