"""Reading one run's step log: the per-step token columns, checked.

A step log is ``step_results_eval.csv`` (plain or gzipped) or, as a fallback,
``step_results.parquet``. Only the step and the four token columns are read.
Anything wrong with the file raises ``InputError`` naming the file, the row or
column, and what to do; pickles are never opened.
"""

from __future__ import annotations

import csv
import gzip
import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .errors import InputError
from .ranges import RANGES

log = logging.getLogger("llmcost")

TOKEN_COLUMNS = [
    "input_tokens_meta_llm",
    "output_tokens_meta_llm",
    "input_tokens_downstream_llm",
    "output_tokens_downstream_llm",
]
#: the input token columns: the meta-LLM's and the downstream LLM's
INPUT_COLUMNS = ["input_tokens_meta_llm", "input_tokens_downstream_llm"]
STEP_COLUMNS = ["step", *TOKEN_COLUMNS]
#: Read when the file has them (the optimization stage's columns): numbers, may be empty.
SCORE_COLUMNS = ["score", "test_score", "time_elapsed"]
PROMPT_COLUMN = "prompt"
#: Token counts (and steps) are whole numbers below 2**53: every such number is
#: exact in float64, so means and sums downstream cannot silently round or wrap.
MAX_COUNT = 2**53


def total_tokens(frame: pd.DataFrame) -> pd.Series:
    """**Total tokens** of each row (a step, or a run's totals): the meta-LLM's and the downstream
    LLM's input and output tokens together (``TOKEN_COLUMNS``). Counts below ``MAX_COUNT`` (runs.py
    checks a run's totals), so the sum is exact in any order."""
    return frame[TOKEN_COLUMNS].sum(axis=1)


def input_tokens(frame: pd.DataFrame) -> pd.Series:
    """**Input tokens** of each row: the meta-LLM's plus the downstream LLM's (exact, as above).
    Added up over a run's steps, the cumulative input tokens that budgets are counted in."""
    meta, downstream = INPUT_COLUMNS
    return frame[meta] + frame[downstream]


def _read_table(path: str, as_text: bool = False) -> pa.Table:
    """The step, token, score and prompt columns of a CSV (plain or .gz) or parquet step log.

    CSV counts are parsed as int64 and scores as float64 by Arrow; ``as_text``
    reads them as strings instead, to find the row of a value that is not a number.
    """
    try:
        if path.endswith(".parquet"):
            names = pq.read_schema(path).names
            _check_header(path, names)
            table = pq.read_table(path, columns=[c for c in _WANTED if c in names])
        else:
            types = {name: pa.string() if as_text else pa.int64() for name in STEP_COLUMNS}
            types.update({name: pa.string() if as_text else pa.float64() for name in SCORE_COLUMNS})
            table = pa_csv.read_csv(
                path,
                # one thread: a file is small, and the jobs already run side by side
                read_options=pa_csv.ReadOptions(use_threads=False),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types={**types, PROMPT_COLUMN: pa.string()}, strings_can_be_null=False),
            )
            _check_header(path, table.column_names)
            table = table.select([c for c in _WANTED if c in table.column_names])
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowIOError, OSError, EOFError) as error:
        message = str(error)
        if not as_text and "conversion error" in message.lower():
            return _read_table(path, as_text=True)
        if not path.endswith(".parquet"):
            _check_separator(path)
        where = "" if path.endswith(".parquet") else _csv_problem_line(path)
        raise InputError(
            f"{path}{where}: cannot be read as a step log ({_first_line(error)}). The file may be "
            f"empty, truncated or corrupt: copy it again from the run's output."
        ) from None
    if table.num_rows == 0:
        raise InputError(f"{path}: the step log has a header but no rows. Copy the complete file "
                         f"again, or remove the run.")
    return table


_WANTED = [*STEP_COLUMNS, *SCORE_COLUMNS, PROMPT_COLUMN]


def _csv_problem_line(path: str) -> str:
    """``", line N"`` where Python's csv module finds the file's first malformed row."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            width = None
            for row in reader:
                width = width or len(row)
                if len(row) != width:
                    return f", line {reader.line_num}"
    except csv.Error:
        return f", line {reader.line_num + 1}"
    except Exception:  # noqa: BLE001 (a best-effort pointer; the caller reports the error)
        return ""
    return ""


def _check_header(path: str, names: list[str]) -> None:
    """The header holds each column read once and every required column; otherwise an
    InputError says which (a file saved with another separator is named as such)."""
    for name in _WANTED:
        positions = [i + 1 for i, present in enumerate(names) if present == name]
        if len(positions) > 1:
            raise InputError(
                f"{path}: column {name} appears {len(positions)} times in the header (columns "
                f"{', '.join(map(str, positions[:-1]))} and {positions[-1]}), as after merging a column into a log that already "
                f"had it; which one holds the values is not known. Keep one of them and save the file again.")
    missing = [name for name in STEP_COLUMNS if name not in names]
    if missing:
        if not path.endswith(".parquet"):
            _check_separator(path)
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; it has {_listed(names)}. A step log "
            f"needs {', '.join(STEP_COLUMNS)}. Is this a prompt-optimization step log?"
        )


def _listed(names: list[str], most: int = 20) -> str:
    """Column names for a message: all of them, or the first ``most`` and how many more."""
    if not names:
        return "no columns"
    shown = ", ".join(map(str, names[:most]))
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


#: separators a step log is sometimes saved with (a spreadsheet in a locale with decimal commas)
OTHER_SEPARATORS = {";": ("';'", "';'"), "\t": ("tab", "tabs")}


def _check_separator(path: str) -> None:
    """An InputError if the CSV file's header line is split by ';' or tabs rather than commas."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
            header = handle.readline()
    except Exception:  # noqa: BLE001 (a best-effort diagnosis; the caller reports the error)
        return
    counts = {separator: header.count(separator) for separator in OTHER_SEPARATORS}
    separator = max(counts, key=counts.get)
    if counts[separator] > header.count(","):
        name, plural = OTHER_SEPARATORS[separator]
        raise InputError(
            f"{path}: looks {name}-separated (its header line has {counts[separator]} {plural} and "
            f"{header.count(',')} commas): save it comma-separated, with '.' as the decimal mark, as the "
            f"optimizer writes step_results_eval.csv.")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _bad_value(path: str, name: str, raw: np.ndarray, bad: np.ndarray, what: str) -> InputError:
    row = int(np.flatnonzero(bad)[0])
    value = raw[row]
    shown = ("an empty or missing value (empty, NA, n/a, null)" if value is None or
             (isinstance(value, float) and np.isnan(value)) else f"value {str(value)!r}")
    return InputError(f"{path}: column {name}, data row {row + 1}{_line_of_row(path, row)}: {shown} is not "
                      f"{what}. Fix or remove that row.")


def _line_of_row(path: str, row: int) -> str:
    """`` (line N)``: where data row ``row`` (0-based) starts in a CSV file, whose quoted
    prompts may span several lines; empty for parquet or an unreadable file."""
    if path.endswith(".parquet"):
        return ""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)  # the header
            start = reader.line_num + 1
            for index, _ in enumerate(reader):
                if index == row:
                    return f" (line {start})"
                start = reader.line_num + 1
    except Exception:  # noqa: BLE001 (a best-effort pointer; the caller reports the error)
        return ""
    return ""


def _counts(path: str, name: str, column: pa.ChunkedArray) -> np.ndarray:
    """A step or token column as int64: whole numbers in [0, 2**53), else an InputError."""
    if pa.types.is_integer(column.type) and column.null_count == 0:  # Arrow parsed it: bounds only
        values = column.to_numpy()
        bad = (values < 0) | (values >= MAX_COUNT)
        if bad.any():
            raise _bad_value(path, name, values, bad, "a whole number of tokens between 0 and 2^53")
        return values.astype("int64", copy=False)
    raw = column.to_numpy(zero_copy_only=False)
    values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy("float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values)) | (values >= MAX_COUNT)
        if raw.dtype == np.int64:  # exact check: float64 rounds values near 2**63
            bad |= (raw < 0) | (raw >= MAX_COUNT)
    if bad.any():
        raise _bad_value(path, name, raw, bad, "a whole number of tokens between 0 and 2^53")
    return values.astype("int64")


def _scores(path: str, name: str, column: pa.ChunkedArray) -> np.ndarray:
    """A score or time column as float64 (empty cells NaN); text, or a number outside the
    column's range (``ranges.RANGES``), is an InputError."""
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type) or pa.types.is_null(column.type):
        values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)  # Arrow parsed it: nulls are NaN
        raw = values
    else:
        raw = column.to_numpy(zero_copy_only=False)
        values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy("float64", na_value=np.nan)
        given = pd.Series(raw).notna().to_numpy() & (pd.Series(raw).astype(str).str.strip() != "").to_numpy()
        bad = given & np.isnan(values)
        if bad.any():
            raise _bad_value(path, name, raw, bad, "a number")
    outside = RANGES[name].outside(values)
    if outside.any():
        raise _bad_value(path, name, raw, outside, RANGES[name].what)
    return values


def read_step_columns(path: str, prompt_text: bool = False) -> dict[str, np.ndarray]:
    """A step log's checked columns as NumPy arrays, straight from Arrow (no DataFrame):
    ``step`` and the four token counts (int64) and, when the file has them, ``score``,
    ``test_score``, ``time_elapsed`` (float64, NaN where empty). The prompt column
    becomes ``candidate`` (bool: the row's prompt is not empty), or with
    ``prompt_text`` stays ``prompt`` (text, "" where empty).

    Raises ``InputError`` as ``read_step_log`` does.
    """
    table = _read_table(path)
    columns = {name: _counts(path, name, table.column(name)) for name in STEP_COLUMNS}
    columns.update({name: _scores(path, name, table.column(name))
                    for name in SCORE_COLUMNS if name in table.column_names})
    if PROMPT_COLUMN in table.column_names:
        prompt = table.column(PROMPT_COLUMN)
        if prompt_text or not (pa.types.is_string(prompt.type) or pa.types.is_large_string(prompt.type)):
            text = prompt.to_pandas().fillna("").astype(str).to_numpy()
            if prompt_text:
                columns[PROMPT_COLUMN] = text
            else:
                columns[CANDIDATE_COLUMN] = text != ""
        else:
            nonempty = pa_compute.fill_null(pa_compute.greater(pa_compute.utf8_length(prompt), 0), False)
            columns[CANDIDATE_COLUMN] = nonempty.to_numpy(zero_copy_only=False).astype(bool)
    return columns


#: ``read_step_columns``' name for whether a row has a prompt (a candidate of its step).
CANDIDATE_COLUMN = "candidate"


def read_step_log(path: str) -> pd.DataFrame:
    """A step log's columns, checked: ``step`` and the four token counts (int64), and,
    when the file has them, ``score``, ``test_score``, ``time_elapsed`` (float64,
    NaN where empty) and ``prompt`` (text, "" where empty).

    Raises ``InputError`` naming the column and the data row (1-based, header
    not counted) of a count that is not a whole number in [0, 2**53), or of a
    score or time that is not a number in its range (``ranges.RANGES``).
    """
    return pd.DataFrame(read_step_columns(path, prompt_text=True))


def first_row_per_step(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """One row per step (the first), sorted by step, as the reference notebook does.

    The token columns repeat the step's amounts on every prompt row; where the
    rows of a step disagree, the first row is kept and one warning names the
    run, how many steps disagree and the first of them.
    """
    steps, first = first_rows(frame["step"].to_numpy(), frame[TOKEN_COLUMNS].to_numpy(), source)
    result = pd.DataFrame(first, columns=TOKEN_COLUMNS)
    result.insert(0, "step", steps)
    return result


def first_rows(steps: np.ndarray, tokens: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """``first_row_per_step`` on arrays: the sorted distinct steps and each one's first
    row of ``tokens`` (rows x token columns), with the same warning."""
    order = np.argsort(steps, kind="stable")
    sorted_steps = steps[order]
    starts = np.flatnonzero(np.r_[True, sorted_steps[1:] != sorted_steps[:-1]])
    tokens = tokens[order]
    first = tokens[starts]
    counts = np.diff(np.r_[starts, len(steps)])
    differs = (tokens != np.repeat(first, counts, axis=0)).any(axis=1)
    disagreeing = np.unique(sorted_steps[differs])
    if len(disagreeing):  # one warning per run, however many steps (a log appended twice: all of them)
        shown = ", ".join(map(str, disagreeing[:5])) + (", ..." if len(disagreeing) > 5 else "")
        log.warning("%s: %d of %d steps (%s) have rows whose token counts disagree, as when a resumed "
                    "run appended to its step log; the first row of each is used (as the reference "
                    "notebook does).", source, len(disagreeing), len(starts), shown)
    return sorted_steps[starts], first
