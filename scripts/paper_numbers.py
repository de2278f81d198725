"""Rule numbers: the headline numbers of every stage, as numbers.json and LaTeX macros."""

from pathlib import Path

import pandas as pd

from llmcost.intervals import intervals, routing_intervals, score_spreads
from llmcost.numbers import (comparison_numbers, headline_numbers, leaves, macro_name, numbers_tex,
                             optimization_numbers, quoted, routing_config_numbers, routing_numbers, shown,
                             token_numbers)
from llmcost.outputs import read_csv, read_json, run_rule, write_json, write_text
from llmcost.report_html import artifact_of, table_page, write_data_views
from llmcost.routing_comparison import comparison_numbers as comparison_numbers_of_routers
from llmcost.statements import Sources, statements


def main(snakemake):
    inputs = snakemake.input
    metrics = {Path(path).parent.name: read_json(path) for path in inputs.routing_metrics}  # datasets/{dataset}/
    scores, budget = read_csv(inputs.optimization_scores), snakemake.params.table_budget
    optimization = optimization_numbers(read_json(inputs.optimization_summary), scores, budget)
    optimization["comparison"] = comparison_numbers(read_csv(inputs.optimization_comparison), budget)
    routing, routing_config, compared = {}, None, {}  # config routing.logits and .router null: no routing data
    if inputs.routing_summary:
        routing = routing_numbers(read_json(inputs.routing_summary), metrics)
        routing_config = routing_config_numbers(snakemake.params.routing_costs, snakemake.params.min_routed_share)
        compared = comparison_numbers_of_routers(read_csv(inputs.routing_comparison))
    numbers = headline_numbers(token_numbers(read_json(inputs.token_summary), read_csv(inputs.token_runs)),
                               optimization, routing, routing_config, compared)
    write_text(snakemake.output.tex, numbers_tex(numbers))  # checks that names are unique
    # what `make changes` needs beside the quoted numbers (no macros: numbers.UNQUOTED)
    numbers |= {"intervals": intervals(numbers, score_spreads(scores, budget), routing_intervals(metrics)),
                "statements": statements(Sources(quoted(numbers), scores, budget))}
    write_json(snakemake.output.json, numbers)
    write_data_views(snakemake)  # numbers.json, readable in the report
    macros = pd.DataFrame([(f"\\{macro_name(path)}", shown(path, value), ".".join(map(str, path)))
                           for path, value in leaves(quoted(numbers))], columns=["macro", "prints", "key"])
    write_text(snakemake.output.tex_view, table_page(artifact_of(snakemake.output.tex_view), macros))


run_rule(main, snakemake)  # noqa: F821 (injected by Snakemake)
