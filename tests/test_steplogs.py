"""Reading step logs: CSV, gzipped CSV and the parquet fallback give the same steps."""

import logging
import re

import numpy as np
import pandas as pd
import pytest
from conftest import write_step_log

from llmcost.errors import InputError
from llmcost.steplogs import MAX_COUNT, STEP_COLUMNS, first_row_per_step, read_step_columns, read_step_log

STEPS = {1: (100, 10, 5000, 500), 2: (200, 20, 6000, 600), 3: (300, 30, 7000, 700)}


@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results_eval.csv.gz",
                                  "step_results.parquet"])
def test_each_format_reads_the_same_steps(tmp_path, name):
    path = write_step_log(tmp_path / name, STEPS)
    frame = read_step_log(str(path))
    assert list(frame.columns) == [*STEP_COLUMNS, "score", "timestamp", "prompt"]
    assert frame["timestamp"].tolist() == [1735689600.0] * 9  # 2025-01-01 00:00:00, seconds since 1970
    assert len(frame) == 9
    assert all(str(frame[c].dtype) == "int64" for c in STEP_COLUMNS)
    assert frame["score"].dtype == "float64"
    assert frame["prompt"].iloc[0] == 'Prompt 0,\nwith a newline and "quotes"'
    steps = first_row_per_step(frame, source="run")
    assert steps["step"].tolist() == [1, 2, 3]
    assert steps["input_tokens_meta_llm"].tolist() == [100, 200, 300]
    assert steps["output_tokens_downstream_llm"].tolist() == [500, 600, 700]


def test_first_row_per_step_sorts_steps_and_takes_the_first_row():
    frame = pd.DataFrame({"step": [2, 1, 2, 1], "input_tokens_meta_llm": [20, 10, 99, 11],
                          "output_tokens_meta_llm": [2, 1, 2, 1],
                          "input_tokens_downstream_llm": [200, 100, 200, 100],
                          "output_tokens_downstream_llm": [0, 0, 0, 0]})
    steps = first_row_per_step(frame, source="run-x")
    assert steps["step"].tolist() == [1, 2]
    assert steps["input_tokens_meta_llm"].tolist() == [10, 20]


def test_disagreeing_rows_of_a_step_warn_with_run_and_step(caplog):
    frame = pd.DataFrame({"step": [1, 1, 2], "input_tokens_meta_llm": [10, 12, 5],
                          "output_tokens_meta_llm": [1, 1, 1],
                          "input_tokens_downstream_llm": [100, 100, 100],
                          "output_tokens_downstream_llm": [0, 0, 0]})
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        steps = first_row_per_step(frame, source="agnews/llama/CAPO/seed42/x/y")
    assert steps["input_tokens_meta_llm"].tolist() == [10, 5]
    assert "agnews/llama/CAPO/seed42/x/y: 1 of 2 steps (1) have rows whose token counts disagree" in caplog.text


def test_a_step_log_appended_twice_warns_once_saying_how_many_steps(caplog):
    once = pd.DataFrame({"step": range(1, 101), "input_tokens_meta_llm": range(100),
                         "output_tokens_meta_llm": 1, "input_tokens_downstream_llm": 100,
                         "output_tokens_downstream_llm": 0})
    resumed = once.assign(input_tokens_meta_llm=once["input_tokens_meta_llm"] + 1)  # the steps redone
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        steps = first_row_per_step(pd.concat([once, resumed]), source="run-x")
    assert steps["input_tokens_meta_llm"].tolist() == list(range(100))
    assert len(caplog.records) == 1
    assert "run-x: 100 of 100 steps (1, 2, 3, 4, 5, ...) have rows whose token counts disagree" in caplog.text


def test_missing_token_column_names_the_file_and_column(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS)
    frame = pd.read_csv(path).drop(columns=["output_tokens_meta_llm"])
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"step_results_eval\.csv: missing column\(s\) output_tokens_meta_llm"):
        read_step_log(str(path))


def test_non_numeric_token_value_names_column_and_row(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS)
    frame = pd.read_csv(path)
    frame["input_tokens_downstream_llm"] = frame["input_tokens_downstream_llm"].astype(object)
    frame.loc[4, "input_tokens_downstream_llm"] = "lots"
    frame.to_csv(path, index=False)
    # each row's prompt spans two lines: data row 5 starts on line 2 + 4 x 2 = 10
    with pytest.raises(InputError, match=r"column input_tokens_downstream_llm, data row 5 \(line 10\): value 'lots'"):
        read_step_log(str(path))


@pytest.mark.parametrize("cell", ["", "NA", "n/a"])
def test_an_empty_token_cell_is_named_as_such_not_as_nan(tmp_path, cell):
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS)
    frame = pd.read_csv(path)
    frame["input_tokens_meta_llm"] = frame["input_tokens_meta_llm"].astype(object)
    frame.loc[1, "input_tokens_meta_llm"] = cell
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"column input_tokens_meta_llm, data row 2 \(line 4\): an empty or "
                                         r"missing value \(empty, NA, n/a, null\) is not a whole number"):
        read_step_log(str(path))


@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results.parquet"])
@pytest.mark.parametrize("value, shown", [(10**20, "1e+20"), (2**62, str(2**62)), (MAX_COUNT, str(MAX_COUNT))])
def test_a_count_at_or_above_2_to_the_53_is_an_error_naming_row_and_column(tmp_path, name, value, shown):
    # 1e20 used to wrap to -9223372036854775808 and 2**62 to overflow the run's total
    steps = {1: (1, 1, 1, 1), 2: (1, 1, float(value) if value > 2**63 else value, 1)}
    path = write_step_log(tmp_path / name, steps, rows_per_step=1)
    with pytest.raises(InputError, match=r"column input_tokens_downstream_llm, data row 2( \(line \d+\))?: value "
                                         r"'?[0-9e+.]+'? is not a whole number of tokens between 0 and 2\^53"):
        read_step_log(str(path))


def test_the_largest_allowed_count_is_read_exactly(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", {1: (MAX_COUNT - 1, 0, 0, 0)}, rows_per_step=1)
    assert read_step_log(str(path))["input_tokens_meta_llm"].tolist() == [MAX_COUNT - 1]


def test_a_score_that_is_text_is_an_error_and_an_empty_one_is_missing(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", {1: (1, 1, 1, 1)}, rows_per_step=3)
    frame = pd.read_csv(path)
    frame["test_score"] = ["0.5", "", "0.7"]
    frame.to_csv(path, index=False)
    assert read_step_log(str(path))["test_score"].isna().tolist() == [False, True, False]
    frame["test_score"] = ["0.5", "high", "0.7"]
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"column test_score, data row 2 \(line 4\): value 'high' is not a number"):
        read_step_log(str(path))


@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results_eval.csv.gz",
                                  "step_results.parquet"])
@pytest.mark.parametrize("prompts", ["text", "some empty or null", "none", "numbers"])
def test_the_array_reader_gives_what_the_frame_reader_gives(tmp_path, name, prompts):
    """read_runs reads Arrow columns straight into NumPy (read_step_columns, a prompt only as
    whether it is empty); its steps equal those of the DataFrame reader on every layout."""
    from llmcost.discovery import Run
    from llmcost.optimization_logs import optimization_steps
    from llmcost.runs import run_steps

    overrides = {"test_score": [0.1, 0.9, 0.5, 0.3, 0.2, 0.8, 0.4, 0.6, 0.7],
                 "score": [0.5, 0.5, 0.9, 0.1, 0.2, 0.3, 0.3, 0.3, 0.1],
                 "prompt": {"text": [f"p{i}" for i in range(9)],
                            "some empty or null": ["", "a", None, "b", "", "", None, None, "c"],
                            "numbers": list(range(9))}.get(prompts)}
    overrides = {key: value for key, value in overrides.items() if value is not None}
    path = write_step_log(tmp_path / name, STEPS, **overrides)
    if prompts == "none":
        frame = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
        frame = frame.drop(columns=["prompt"])
        frame.to_parquet(path) if name.endswith(".parquet") else frame.to_csv(path, index=False)
    run = Run("d", "m", "o", 1, "d/m/o/seed1/e/r", str(path))
    expected = optimization_steps(read_step_log(str(path)), source=run.run)
    pd.testing.assert_frame_equal(run_steps(run), expected)
    assert run_steps(run)["candidates"].sum() == {"text": 9, "some empty or null": 3, "none": 9,
                                                  "numbers": 9}[prompts]


# --- header mistakes: one message naming the file, what is wrong and what to do ----------------

def write_frame(frame: pd.DataFrame, path, separator=","):
    """``frame`` as a CSV (plain or .gz, any separator) or parquet, columns as given (repeats kept)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = str(path)
    if path.endswith(".parquet"):
        pq.write_table(pa.Table.from_arrays([pa.array(frame.iloc[:, i]) for i in range(frame.shape[1])],
                                            names=list(frame.columns)), path)
    else:
        frame.to_csv(path, index=False, sep=separator)
    return path


@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results_eval.csv.gz", "step_results.parquet"])
@pytest.mark.parametrize("column", ["test_score", "step", "input_tokens_meta_llm", "prompt"])
def test_a_repeated_column_names_the_file_the_column_and_its_places(tmp_path, name, column):
    """As after merging test scores into a log that had them: was a KeyError with a traceback."""
    frame = pd.read_csv(write_step_log(tmp_path / "log.csv", STEPS, test_score=0.5))
    path = write_frame(pd.concat([frame, frame[[column]]], axis=1), tmp_path / name)
    first = list(frame.columns).index(column) + 1
    with pytest.raises(InputError, match=rf"^{re.escape(path)}: column {column} appears 2 times in the header "
                                         rf"\(columns {first} and {len(frame.columns) + 1}\), .* Keep one of them"):
        read_step_columns(path)


def test_timestamps_are_read_as_seconds_with_or_without_an_offset_and_text_is_named(tmp_path):
    """ISO 8601 as loggers write it: plain, with a T, with an offset (taken to UTC), empty."""
    stamps = ["2025-03-26 10:40:52.5", "2025-03-26T10:40:53", "2025-03-26 11:40:54+01:00"] * 3
    stamps[-1] = ""
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS, timestamp=stamps)
    seconds = read_step_columns(str(path))["timestamp"]
    start = pd.Timestamp("2025-03-26 10:40:52.5").timestamp()
    assert (seconds[:8] - start).tolist() == [0.0, 0.5, 1.5] * 2 + [0.0, 0.5] and np.isnan(seconds[8])
    stamps[4] = "yesterday"
    path = write_step_log(tmp_path / "bad" / "step_results_eval.csv", STEPS, timestamp=stamps)
    with pytest.raises(InputError, match=r"step_results_eval\.csv: column timestamp, data row 5 \(line \d+\): value "
                                         r"'yesterday' is not a date and time \(ISO 8601"):
        read_step_columns(str(path))


def test_a_repeated_column_the_pipeline_does_not_read_is_no_error(tmp_path):
    frame = pd.read_csv(write_step_log(tmp_path / "log.csv", STEPS, notes="a note"))
    path = write_frame(pd.concat([frame, frame[["notes"]]], axis=1), tmp_path / "step_results_eval.csv")
    assert read_step_log(path)["step"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]


@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results_eval.csv.gz"])
@pytest.mark.parametrize("separator, decimal, called", [(";", ",", "';'"), (";", ".", "';'"), ("\t", ".", "tab")])
def test_a_csv_with_another_separator_says_so(tmp_path, name, separator, decimal, called):
    """Decimal commas used to give "may be empty, truncated or corrupt", '.' "missing column(s)"."""
    frame = pd.read_csv(write_step_log(tmp_path / "log.csv", STEPS, test_score=0.25))
    path = str(tmp_path / name)
    frame.to_csv(path, index=False, sep=separator, decimal=decimal)
    plural = {"';'": "';'", "tab": "tabs"}[called]
    with pytest.raises(InputError, match=rf"^{re.escape(path)}: looks {called}-separated \(its header line has "
                                         rf"{len(frame.columns) - 1} {plural} and 0 commas\): save it "
                                         rf"comma-separated, with '\.' as the decimal mark"):
        read_step_columns(path)


def test_a_missing_column_lists_the_columns_present(tmp_path):
    path = write_step_log(tmp_path / "step_results_eval.csv", STEPS)
    frame = pd.read_csv(path).drop(columns=["step"])
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"step_results_eval\.csv: missing column\(s\) step; it has timestamp, score, "
                                         r"prompt, input_tokens_meta_llm, output_tokens_meta_llm, "
                                         r"input_tokens_downstream_llm, output_tokens_downstream_llm\. A step log needs"):
        read_step_log(str(path))


# --- a scored run is scored, whatever its prompt column holds -----------------------------------

@pytest.mark.parametrize("name", ["step_results_eval.csv", "step_results.parquet"])
def test_a_run_whose_prompt_column_is_empty_keeps_its_test_scores(tmp_path, name, caplog):
    """Was "no test_score ... evaluate their prompts" and left out; the same log without the column
    was scored. Now both give the same steps, and the warning says the prompts are what is missing."""
    from llmcost.discovery import Run
    from llmcost.runs import run_steps

    scores = {"test_score": [0.1, 0.9, 0.5, 0.3, 0.2, 0.8, 0.4, 0.6, 0.7],
              "score": [0.5, 0.5, 0.9, 0.1, 0.2, 0.3, 0.3, 0.3, 0.1]}
    empty = write_step_log(tmp_path / "empty" / name, STEPS, prompt=None if name.endswith(".parquet") else "",
                           **scores)
    without = write_step_log(tmp_path / "without" / name, STEPS, **scores)
    frame = pd.read_parquet(without) if name.endswith(".parquet") else pd.read_csv(without)
    frame = frame.drop(columns=["prompt"])
    frame.to_parquet(without) if name.endswith(".parquet") else frame.to_csv(without, index=False)
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        steps = run_steps(Run("d", "m", "o", 1, "d/m/o/seed1/e/r", str(empty)))
    assert steps["has_test_score"].all()
    assert steps["best_train_test_score"].tolist() == [0.5, 0.8, 0.4]  # each step's highest score (first of ties)
    pd.testing.assert_frame_equal(steps, run_steps(Run("d", "m", "o", 1, "d/m/o/seed1/e/r", str(without))))
    assert len(caplog.records) == 1
    assert ("d/m/o/seed1/e/r: the prompt column is empty on every row; each row is taken as a candidate prompt, "
            "as for a log without that column (only the prompts' text is missing: its 9 test score(s) count)"
            in caplog.text)


def test_test_scores_only_on_rows_without_a_prompt_say_so(caplog):
    from llmcost.optimization_logs import step_scores

    frame = pd.DataFrame({"step": [1, 1, 2], "prompt": ["a", "", ""], "score": [0.5, 0.9, 0.9],
                          "test_score": [np.nan, 0.7, 0.8]})
    with caplog.at_level(logging.WARNING, logger="llmcost"):
        scores = step_scores(frame, source="d/m/o/seed1/e/r")
    assert not scores["has_test_score"].any()
    assert ("d/m/o/seed1/e/r: its 2 test score(s) are all on rows with an empty prompt, which are not candidate "
            "prompts" in caplog.text)
