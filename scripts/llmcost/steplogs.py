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
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .errors import InputError

log = logging.getLogger("llmcost")

TOKEN_COLUMNS = [
    "input_tokens_meta_llm",
    "output_tokens_meta_llm",
    "input_tokens_downstream_llm",
    "output_tokens_downstream_llm",
]
STEP_COLUMNS = ["step", *TOKEN_COLUMNS]


def _read_table(path: str, as_text: bool = False) -> pa.Table:
    """The step and token columns of a CSV (plain or .gz) or parquet step log.

    CSV columns are parsed as int64 by Arrow; ``as_text`` reads them as
    strings instead, to find the row of a value that is not an integer.
    """
    try:
        if path.endswith(".parquet"):
            _require_columns(path, pq.read_schema(path).names)
            table = pq.read_table(path, columns=STEP_COLUMNS)
        else:
            table = pa_csv.read_csv(
                path,
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=STEP_COLUMNS,
                    column_types={name: pa.string() if as_text else pa.int64() for name in STEP_COLUMNS},
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowIOError, OSError, EOFError) as error:
        message = str(error)
        if "include_columns" in message or "does not exist" in message:
            _require_columns(path, _csv_header(path))
        if not as_text and ("conversion error" in message.lower() or "CSV conversion" in message):
            return _read_table(path, as_text=True)
        where = "" if path.endswith(".parquet") else _csv_problem_line(path)
        raise InputError(
            f"{path}{where}: cannot be read as a step log ({_first_line(error)}). The file may be "
            f"empty, truncated or corrupt: copy it again from the run's output."
        ) from None
    if table.num_rows == 0:
        raise InputError(f"{path}: the step log has a header but no rows. Copy the complete file "
                         f"again, or remove the run.")
    return table


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


def _csv_header(path: str) -> list[str]:
    return list(pd.read_csv(path, nrows=0).columns)


def _require_columns(path: str, names) -> None:
    missing = [name for name in STEP_COLUMNS if name not in names]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; a step log needs "
            f"{', '.join(STEP_COLUMNS)}. Is this a prompt-optimization step log?"
        )


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def read_step_log(path: str) -> pd.DataFrame:
    """The step and four token columns of a step log, as int64, checked.

    Raises ``InputError`` for non-numeric, fractional, negative or non-finite
    values, naming the column and the data row (1-based, header not counted).
    """
    table = _read_table(path)
    columns = {}
    for name in STEP_COLUMNS:
        raw = table.column(name).to_numpy(zero_copy_only=False)
        if raw.dtype == np.int64:
            values = raw
            bad = values < 0
        else:  # text or float columns: find what is not a whole non-negative number
            values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy("float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{path}: column {name}, data row {row + 1}: value {str(raw[row])!r} is not a whole "
                f"non-negative number of tokens. Fix or remove that row."
            )
        columns[name] = values.astype("int64")
    return pd.DataFrame(columns)


def first_row_per_step(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """One row per step (the first), sorted by step, as the reference notebook does.

    The token columns repeat the step's amounts on every prompt row; where the
    rows of a step disagree, the first row is kept and a warning names the
    run and the step.
    """
    steps = frame["step"].to_numpy()
    order = np.argsort(steps, kind="stable")
    sorted_steps = steps[order]
    starts = np.flatnonzero(np.r_[True, sorted_steps[1:] != sorted_steps[:-1]])
    tokens = frame[TOKEN_COLUMNS].to_numpy()[order]
    first = tokens[starts]
    counts = np.diff(np.r_[starts, len(steps)])
    differs = (tokens != np.repeat(first, counts, axis=0)).any(axis=1)
    for step in np.unique(sorted_steps[differs]):
        log.warning("%s: step %s has rows whose token counts disagree; the first row is used "
                    "(as the reference notebook does).", source, step)
    result = pd.DataFrame(first, columns=TOKEN_COLUMNS)
    result.insert(0, "step", sorted_steps[starts])
    return result
