"""Rule routing_sweep: merge one dataset's files, sweep every router, exact curves, summary,
curve metrics with bootstrap intervals and held-out threshold choice, the routers compared pair
by pair on the same resamples; the dataset's
cost-performance figure, made from those files as written."""

import logging

from llmcost.outputs import run_rule, write_csv, write_json
from llmcost.plotting import save_figure
from llmcost.report_html import write_data_views
from llmcost.routing_figures import cost_performance_figure, read_sweep_outputs
from llmcost.routing_data import load_dataset
from llmcost.routing_comparison import dataset_comparison
from llmcost.routing_resampling import BOOTSTRAP, bootstrap_metrics, dataset_metrics
from llmcost.routing import (baseline, cost_model, dataset_summary, exact_curves, keep_orders, records,
                            sweeps)
from llmcost.routing_model import ROUTERS

log = logging.getLogger("llmcost")


def main(snakemake):
    params = snakemake.params
    frame, merge = load_dataset(snakemake.input.logits, snakemake.input.router, params.id_field)
    log.info("%s: %d rows; generated_text equals slm_pred in %s of them", snakemake.wildcards.dataset,
             merge["rows"], merge["generated_text_equals_slm_pred"])
    costs = cost_model(params.costs)
    no_baseline = baseline(frame, costs).no_baseline
    if no_baseline:
        log.warning("%s: %s.", snakemake.wildcards.dataset, no_baseline)
    orders = keep_orders(frame)  # one sort per router, for its sweep and its exact curve
    swept = sweeps(frame, costs, params.thresholds["count"], params.thresholds["spacing"],
                   params.confidence_thresholds, orders, dataset=snakemake.wildcards.dataset,
                   verifier_routers=params.verifier_routers)
    for router, points in swept.items():
        write_json(snakemake.output[router], records(points))
    write_csv(snakemake.output.curve, exact_curves(frame, costs, orders))
    write_json(snakemake.output.summary, dataset_summary(
        snakemake.wildcards.dataset, frame, merge, costs, swept, params.min_routed_share, params.verifier_routers))
    bootstrap = {**BOOTSTRAP, **params.bootstrap}
    resampled = bootstrap_metrics(frame, params.min_routed_share, bootstrap["resamples"], bootstrap["seed"], costs,
                                  params.verifier_routers)  # once, for the intervals and the paired comparison
    metrics = dataset_metrics(frame, params.min_routed_share, params.holdout, params.bootstrap, costs,
                              params.verifier_routers, resampled)
    notes = {entry["held_out_delta_IBC"].get("note") for router, entry in metrics["routers"].items()
             if router != "oracle"}  # too few queries to split: the same note for every router
    for note in notes - {None}:
        log.warning("%s: %s Held-out delta_IBC is missing for every router.", snakemake.wildcards.dataset,
                    note)
    write_json(snakemake.output.metrics, metrics)
    write_json(snakemake.output.comparison, dataset_comparison(metrics, resampled, costs))
    write_data_views(snakemake)
    curve, swept, summary = read_sweep_outputs(snakemake.output.curve, [snakemake.output[r] for r in ROUTERS],
                                               snakemake.output.summary)
    save_figure(cost_performance_figure(curve, swept, summary), snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
