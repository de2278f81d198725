"""Valid ranges of the input columns: each reader stops at a value outside its column's range,
naming the file, the row and the column; docs/bad-input.md lists every range."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, write_step_log

from llmcost.errors import InputError
from llmcost.optimization_logs import racing_counts
from llmcost.ranges import RANGES
from llmcost.routing_data import load_dataset
from llmcost.steplogs import read_step_log

STEPS = {1: (100, 10, 5000, 500), 2: (200, 20, 6000, 600)}

#: column -> (values inside, values outside)
CASES = {
    "score": ([0.0, 0.5, 1.0], [-0.01, 1.01, 89.8, math.inf]),
    "test_score": ([0.0, 0.898, 1.0], [89.8, -0.1, math.inf, -math.inf]),
    "time_elapsed": ([0.0, 2.8, 1e7], [-0.5, -250.0, math.inf]),
    "block score": ([0.0, 0.25, 1.0], [1.5, -1.0, math.inf]),
    "avg_logp": ([0.0, -0.06, -30.0], [0.01, 2.0, -math.inf]),
    "avg_entropy_nats": ([0.0, 0.14, 12.0], [-0.01, math.inf]),
    "slm_confidence": ([0.0, 0.75, 1.0], [1.25, -0.25, 75.0]),
    "perf_slm": ([0.0, 0.4, 1.0], [1.5, -0.5, 100.0]),
    "perf_llm": ([0.0, 0.4, 1.0], [1.5, -0.5, 100.0]),
}


def test_every_range_has_cases():
    assert set(CASES) == set(RANGES)


@pytest.mark.parametrize("column", CASES)
def test_range_separates_inside_from_outside(column):
    inside, outside = CASES[column]
    assert not RANGES[column].outside(inside).any()
    assert RANGES[column].outside(outside).all()
    assert not RANGES[column].outside([math.nan]).any()  # missing: each reader decides


def test_bad_input_doc_lists_every_range():
    text = (REPO / "docs/bad-input.md").read_text()
    table = text[text.index("## Valid ranges"):]
    for column in [*RANGES, "step", "input_tokens_meta_llm", "output_tokens_downstream_llm", "prompt"]:
        assert f"`{column}`" in table or (column == "block score" and "| block score" in table), column


# --- step logs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results_eval.csv.gz", "step_results.parquet"])
@pytest.mark.parametrize("column, value, shown", [
    ("test_score", 89.8, "89.8"), ("score", -0.2, "-0.2"), ("time_elapsed", -3600.5, "-3600.5"),
    ("time_elapsed", math.inf, "inf")])
def test_step_log_value_outside_its_range_names_file_row_and_column(tmp_path, name, column, value, shown):
    values = [0.5] * 6
    values[4] = value
    path = write_step_log(tmp_path / name, STEPS, **{"test_score": 0.5, "time_elapsed": 1.0, column: values})
    line = "" if name.endswith(".parquet") else r" \(line \d+\)"
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}: column {column}, data row 5{line}: "
                                         rf"value '{shown}' is not {re.escape(RANGES[column].what)}\. "
                                         rf"Fix or remove that row\."):
        read_step_log(str(path))


def test_step_log_values_at_the_bounds_and_empty_cells_are_read(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS, score=[0.0, 1.0, None, 0.5, 0.5, 0.5],
                          test_score=[1.0, 0.0, None, 0.5, 0.5, 0.5], time_elapsed=[0.0, 5.0, None, 1, 1, 1])
    frame = read_step_log(str(path))
    assert frame["test_score"].tolist()[:2] == [1.0, 0.0] and math.isnan(frame["test_score"][2])
    assert frame["time_elapsed"].tolist()[:2] == [0.0, 5.0]


# --- racing logs -------------------------------------------------------------------------------

def test_racing_block_score_outside_its_range(tmp_path):
    path = tmp_path / "prompt_scores.parquet"
    pd.DataFrame({"0": [0.5, 0.75], "1": [np.nan, 2.0]}, index=["a", "b"]).to_parquet(path)
    with pytest.raises(InputError, match=rf"{re.escape(str(path))}: block column 1, prompt row 2: value 2\.0 is not "
                                         r"a block score: a fraction between 0 and 1"):
        racing_counts(str(path))


def test_racing_blocks_in_range_are_counted(tmp_path):
    path = tmp_path / "prompt_scores.parquet"
    pd.DataFrame({"0": [0.0, 1.0], "1": [np.nan, 0.5]}, index=["a", "b"]).to_parquet(path)
    assert racing_counts(str(path)) == (3, 4)


# --- routing data ------------------------------------------------------------------------------

def write_dataset(tmp_path, **changes):
    """A three-query dataset; ``changes`` sets column -> (line, value)."""
    logits = [{"avg_logp": -0.1 * i, "avg_entropy_nats": 0.2 * i} for i in range(1, 4)]
    router = [{"slm_confidence": 0.25 * i, "perf_slm": 0.0, "perf_llm": 1.0} for i in range(1, 4)]
    for column, (line, value) in changes.items():
        (logits if column in logits[0] else router)[line - 1][column] = value
    paths = tmp_path / "logits.jsonl", tmp_path / "router.jsonl"
    for path, records in zip(paths, (logits, router)):
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return tuple(map(str, paths))


@pytest.mark.parametrize("column, value", [("avg_logp", 0.5), ("avg_entropy_nats", -0.1),
                                           ("slm_confidence", 75.0), ("perf_slm", 1.5), ("perf_llm", -1.0)])
def test_router_value_outside_its_range_names_file_line_and_column(tmp_path, column, value):
    logits, router = write_dataset(tmp_path, **{column: (2, value)})
    path = logits if column.startswith("avg") else router
    with pytest.raises(InputError, match=rf"{re.escape(path)}: column {column} must be "
                                         rf"{re.escape(RANGES[column].what)}, but 1 value\(s\) are not "
                                         rf"\(the first {re.escape(repr(value))}\), at line\(s\) 2\. Fix those"):
        load_dataset(logits, router)


def test_router_values_at_the_bounds_are_read(tmp_path):
    frame, _ = load_dataset(*write_dataset(tmp_path, avg_logp=(1, 0.0), avg_entropy_nats=(1, 0.0),
                                           slm_confidence=(1, 1.0)))
    assert frame.loc[0, ["avg_logp", "avg_entropy_nats", "slm_confidence"]].tolist() == [0.0, 0.0, 1.0]
