"""Reading one routing dataset: its two JSON Lines files, checked and merged.

``{dataset}_answerlogits.jsonl`` holds the small model's ``avg_logp`` and
``avg_entropy_nats``, ``router_data_{dataset}.jsonl`` its ``slm_confidence``
and both models' ``perf_slm``, ``perf_llm``. Where both files carry the id
field (``routing.id_field``, default ``id``) their lines are joined on it, in
the router file's order; every line must then have an id that appears once in
each file. Where either lacks the field (the bundled logits files have none)
they are joined by row position, as the reference notebook does, after checking
that both hold the same number of rows. Anything wrong raises ``InputError``
naming the file, the line or column, and what to do.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import zlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from .errors import InputError
from .ranges import RANGES

LOGITS_COLUMNS = ("avg_logp", "avg_entropy_nats")
#: The field that identifies a query in both files (config ``routing.id_field``).
ID_FIELD = "id"
ROUTER_COLUMNS = ("slm_confidence", "perf_slm", "perf_llm")

log = logging.getLogger("llmcost")


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
            record = json.loads(line, object_pairs_hook=_object_of_unique_keys)
        except _RepeatedKey as repeated:
            raise InputError(f"{path}, line {number}: key {repeated.key!r} appears more than once in the "
                             f"line's object; which value counts is not defined. Keep one of them.") from None
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


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _object_of_unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """``json.loads``' object hook: a dict, or ``_RepeatedKey`` for a key given twice."""
    record = dict(pairs)
    if len(record) < len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return record


def _require_columns(frame: pd.DataFrame, columns, path: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(map(str, frame.columns))}. Every line needs {', '.join(columns)}.")


#: what to do with a bad line, by how the two files are joined
DROP_HINT = {"position": "drop them from both files of the dataset (the files are joined by row position)",
             "id": "drop those lines from both files of the dataset (the files are joined by id)"}


def _finite_column(frame: pd.DataFrame, column: str, path: str, join: str = "position") -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        lines = ", ".join(map(str, frame.index[bad][:5]))
        raise InputError(f"{path}: column {column} has {bad.sum()} value(s) that are not finite "
                         f"numbers (missing, NaN, inf or text), at line(s) {lines}"
                         f"{' ...' if bad.sum() > 5 else ''}. Fix those rows, or {DROP_HINT[join]}.")
    return values


def _ranged_column(frame: pd.DataFrame, column: str, path: str, join: str = "position") -> np.ndarray:
    """A finite column whose values lie in its range (``ranges.RANGES``)."""
    values = _finite_column(frame, column, path, join)
    outside = RANGES[column].outside(values)
    if outside.any():
        lines = ", ".join(map(str, frame.index[outside][:5]))
        raise InputError(f"{path}: column {column} must be {RANGES[column].what}, but {outside.sum()} "
                         f"value(s) are not (the first {float(values[outside][0])!r}), at line(s) {lines}"
                         f"{' ...' if outside.sum() > 5 else ''}. Fix those lines, or {DROP_HINT[join]}.")
    return values


def load_dataset(logits_path: str, router_path: str, id_field: str = ID_FIELD) -> tuple[pd.DataFrame, dict]:
    """The merged per-query frame and the merge diagnostic of one dataset.

    Joined on ``id_field`` where both files carry it (in the router file's
    order), else by row position. The diagnostic counts the rows whose
    ``generated_text`` (logits file) equals ``slm_pred`` (router file); null
    when either column is absent.
    """
    logits, router = read_jsonl(logits_path), read_jsonl(router_path)
    _require_columns(logits, LOGITS_COLUMNS, logits_path)
    _require_columns(router, ROUTER_COLUMNS, router_path)
    if id_field in logits.columns and id_field in router.columns:
        join = "id"
        logits = logits.iloc[_rows_by_id(logits, logits_path, router, router_path, id_field)]
        log.info("%s and %s: joined by %r", logits_path, router_path, id_field)
    else:
        join = "position"
        log.info("%s and %s: joined by row position (not both carry %r)", logits_path, router_path, id_field)
        if len(logits) != len(router):
            raise InputError(f"{logits_path} has {len(logits)} rows but {router_path} has {len(router)}. "
                             f"The two files are joined by row position (they do not both carry the field "
                             f"{id_field!r}), so they must hold the same queries in the same order.")
    frame = pd.DataFrame({
        **{column: _ranged_column(logits, column, logits_path, join) for column in LOGITS_COLUMNS},
        **{column: _ranged_column(router, column, router_path, join) for column in ROUTER_COLUMNS},
    })
    matches = None
    if "generated_text" in logits.columns and "slm_pred" in router.columns:
        matches = int((logits["generated_text"].to_numpy() == router["slm_pred"].to_numpy()).sum())
    return frame, {"rows": len(frame), "generated_text_equals_slm_pred": matches}


def _rows_by_id(logits: pd.DataFrame, logits_path: str, router: pd.DataFrame, router_path: str,
                id_field: str) -> np.ndarray:
    """The positions of ``logits``' rows in the order of ``router``'s ids. Every line of both
    files must have an id that is in the other file and appears once in its own."""
    files = {"logits": (logits, logits_path), "router": (router, router_path)}
    ids = {name: _ids(frame, path, id_field) for name, (frame, path) in files.items()}
    for name, (frame, path) in files.items():
        first: dict = {}
        for line, value in zip(frame.index, ids[name]):
            if value in first:
                raise InputError(f"{path}, line {line}: {id_field} {_shown(value)} appears again (first at line "
                                 f"{first[value]}). Both files carry {id_field!r}, so their lines are joined by it and "
                                 f"each query needs its own: remove the repeated line, or, if {id_field!r} names a "
                                 f"document rather than a query, set routing.id_field to a field unique per query.")
            first[value] = line
    unmatched = {}
    for name, other in (("logits", "router"), ("router", "logits")):
        known = set(ids[other])
        unmatched[name] = [(line, value) for line, value in zip(files[name][0].index, ids[name]) if value not in known]
    for name, other in (("logits", "router"), ("router", "logits")):
        if unmatched[name]:
            (frame, path), other_path = files[name], files[other][1]
            (line, value), count = unmatched[name][0], len(unmatched[name])
            many = f" ({count} of its {len(frame)} {id_field}s are not)" if count > 1 else ""
            also = ""
            if unmatched[other]:
                other_line, other_value = unmatched[other][0]
                also = (f"; and {other_path}, line {other_line}: {id_field} {_shown(other_value)} is not in "
                        f"{path}{f' ({len(unmatched[other])} are not)' if len(unmatched[other]) > 1 else ''}")
            kinds = _kinds(ids[name]), _kinds(ids[other])
            types = (f" The {id_field}s of {path} are {kinds[0]}, of {other_path} {kinds[1]}: they compare as "
                     f"written (7 and \"7\" differ)." if kinds[0] != kinds[1] else "")
            raise InputError(f"{path}, line {line}: {id_field} {_shown(value)} is not in {other_path}{many}{also}. "
                             f"Both files carry {id_field!r}, so their lines are joined by it: each must hold the "
                             f"same queries, every {id_field} once.{types}")
    position = {value: row for row, value in enumerate(ids["logits"])}
    return np.array([position[value] for value in ids["router"]], dtype=np.int64)


def _kinds(values: list) -> str:
    """"strings", "numbers" or "strings and numbers": the JSON types of a file's ids."""
    strings = sum(isinstance(value, str) for value in values)
    return "strings" if strings == len(values) else "numbers" if not strings else "strings and numbers"


def _ids(frame: pd.DataFrame, path: str, id_field: str) -> list:
    """The id of every line (a string or number); a line without one is an InputError."""
    values = frame[id_field].tolist()
    for line, value in zip(frame.index, values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing = sum(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)
            raise InputError(f"{path}, line {line}: no {id_field}{f' ({missing} lines have none)' if missing > 1 else ''}"
                             f". Both files of the dataset carry {id_field!r}, so their lines are joined by "
                             f"it: give every line its query's {id_field}.")
        if not isinstance(value, (str, int, float)):
            raise InputError(f"{path}, line {line}: {id_field} {_shown(value)} is a JSON "
                             f"{type(value).__name__}; an {id_field} must be a string or a number.")
    return values


def _shown(value) -> str:
    """An id as written in JSON (a string in quotes, a number bare)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
