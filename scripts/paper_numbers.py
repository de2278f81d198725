"""Rule numbers: the headline numbers of every stage, as numbers.json and LaTeX macros."""

import json
from pathlib import Path

from llmcost.numbers import (headline_numbers, numbers_tex, optimization_numbers, routing_numbers,
                             token_numbers)
from llmcost.outputs import read_csv, run_rule, write_json, write_text


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(snakemake):
    inputs = snakemake.input
    metrics = {Path(path).parent.name: read_json(path) for path in inputs.routing_metrics}  # datasets/{dataset}/
    numbers = headline_numbers(
        token_numbers(read_json(inputs.token_summary), read_csv(inputs.token_runs)),
        optimization_numbers(read_json(inputs.optimization_summary), read_csv(inputs.optimization_scores),
                             snakemake.params.table_budget),
        routing_numbers(read_json(inputs.routing_summary), metrics))
    write_text(snakemake.output.tex, numbers_tex(numbers))  # checks that names are unique
    write_json(snakemake.output.json, numbers)


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
