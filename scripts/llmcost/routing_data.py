"""Reading one routing dataset: its two JSON Lines files, checked and merged by row position.

``{dataset}_answerlogits.jsonl`` (the small model's ``avg_logp`` and
``avg_entropy_nats``) has no id, so it is joined to ``router_data_{dataset}.jsonl``
(``slm_confidence``, ``perf_slm``, ``perf_llm``) by position, after checking
that both hold the same number of rows. Anything wrong raises ``InputError``
naming the file, the line or column, and what to do.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from .errors import InputError
from .ranges import RANGES

LOGITS_COLUMNS = ("avg_logp", "avg_entropy_nats")
ROUTER_COLUMNS = ("slm_confidence", "perf_slm", "perf_llm")


def read_jsonl(path: str) -> pd.DataFrame:
    """The records of a JSON Lines file (plain or .gz), indexed by their line number.

    pyarrow parses well-formed files (about 4x faster than line-by-line
    ``json.loads``); a file it rejects, or one with blank lines (which would
    shift the line numbers), is read line by line, which names the bad line.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if str(path).endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{path}: cannot be read as JSON Lines ({error}).") from None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    try:
        frame = pa_json.read_json(io.BytesIO(data)).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        frame = None
    if frame is None or len(frame) != lines or not len(frame):
        return _read_jsonl_by_line(data, path)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="line")
    return frame


def _read_jsonl_by_line(data: bytes, path: str) -> pd.DataFrame:
    records, lines = [], []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: cannot be read as JSON Lines ({error}).") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}, line {number}, column {error.colno}: not valid JSON ({error.msg}). "
                             f"Each line must hold one JSON object.") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}, line {number}: a JSON {type(record).__name__}, not an "
                             f"object. Each line must hold one JSON object.")
        records.append(record)
        lines.append(number)
    if not records:
        raise InputError(f"{path}: no records. Each dataset needs one JSON object per query.")
    return pd.DataFrame.from_records(records, index=pd.Index(lines, name="line"))


def _require_columns(frame: pd.DataFrame, columns, path: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(map(str, frame.columns))}. Every line needs {', '.join(columns)}.")


def _finite_column(frame: pd.DataFrame, column: str, path: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        lines = ", ".join(map(str, frame.index[bad][:5]))
        raise InputError(f"{path}: column {column} has {bad.sum()} value(s) that are not finite "
                         f"numbers (missing, NaN, inf or text), at line(s) {lines}"
                         f"{' ...' if bad.sum() > 5 else ''}. Fix those rows, or drop them from both "
                         f"files of the dataset (the files are joined by row position).")
    return values


def _ranged_column(frame: pd.DataFrame, column: str, path: str) -> np.ndarray:
    """A finite column whose values lie in its range (``ranges.RANGES``)."""
    values = _finite_column(frame, column, path)
    outside = RANGES[column].outside(values)
    if outside.any():
        lines = ", ".join(map(str, frame.index[outside][:5]))
        raise InputError(f"{path}: column {column} must be {RANGES[column].what}, but {outside.sum()} "
                         f"value(s) are not (the first {float(values[outside][0])!r}), at line(s) {lines}"
                         f"{' ...' if outside.sum() > 5 else ''}. Fix those lines, or drop them from both "
                         f"files of the dataset (the files are joined by row position).")
    return values


def load_dataset(logits_path: str, router_path: str) -> tuple[pd.DataFrame, dict]:
    """The merged per-query frame and the merge diagnostic of one dataset.

    The files have no common key and are joined by row position. The diagnostic
    counts the rows whose ``generated_text`` (logits file) equals ``slm_pred``
    (router file); null when either column is absent.
    """
    logits, router = read_jsonl(logits_path), read_jsonl(router_path)
    _require_columns(logits, LOGITS_COLUMNS, logits_path)
    _require_columns(router, ROUTER_COLUMNS, router_path)
    if len(logits) != len(router):
        raise InputError(f"{logits_path} has {len(logits)} rows but {router_path} has {len(router)}. "
                         f"The two files are joined by row position, so they must hold the same "
                         f"queries in the same order.")
    frame = pd.DataFrame({
        **{column: _ranged_column(logits, column, logits_path) for column in LOGITS_COLUMNS},
        **{column: _ranged_column(router, column, router_path) for column in ROUTER_COLUMNS},
    })
    matches = None
    if "generated_text" in logits.columns and "slm_pred" in router.columns:
        matches = int((logits["generated_text"].to_numpy() == router["slm_pred"].to_numpy()).sum())
    return frame, {"rows": len(frame), "generated_text_equals_slm_pred": matches}
