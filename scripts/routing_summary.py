"""Rule routing_summary: the per-dataset summaries combined, and the LaTeX table of best delta_IBC."""

import json

from llmcost.outputs import run_rule, write_json, write_text
from llmcost.routing import combine_summaries
from llmcost.routing_tables import routing_table


def main(snakemake):
    summaries = []
    for path in snakemake.input.summaries:
        with open(path, encoding="utf-8") as handle:
            summaries.append(json.load(handle))
    combined = combine_summaries(summaries)
    write_json(snakemake.output.summary, combined)
    write_text(snakemake.output.table, routing_table(combined))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
