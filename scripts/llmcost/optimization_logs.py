"""One run's logs reduced for the optimization stage: per-step scores, racing blocks.

Called by the job that reads each run's step log once for every stage.

- **Candidates** of a step are its rows with a non-empty ``prompt`` (a log
  without a ``prompt`` column, or whose ``prompt`` column is empty on every
  row: every row, with a warning naming the run).
- **Best-train prompt** of a step: the candidate with the highest ``score``
  (the optimizer's own score on its development data), the first such row in
  file order; a missing ``score`` column or value counts as 0, so a step's
  first candidate is then its pick (as CAPO's ``aggregate_results`` does).
- **Racing blocks** of a run (``prompt_scores.parquet``: one row per prompt,
  one column per evaluation block, null where racing skipped the block):
  evaluated = non-null cells, full = rows x block columns.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .elapsed import step_durations
from .errors import InputError
from .ranges import RANGES
from .steplogs import CANDIDATE_COLUMN, TOKEN_COLUMNS, first_row_per_step, first_rows

log = logging.getLogger("llmcost")

#: The racing log's file name, in the run folder beside the step log.
PROMPT_SCORES_NAME = "prompt_scores.parquet"

#: The columns ``step_scores`` adds to a step (after ``step``).
STEP_SCORE_COLUMNS = ["candidates", "best_train_test_score", "mean_test_score", "time_elapsed_s",
                      "has_test_score"]


def candidate_rows(has_prompt: np.ndarray | None, test_score: np.ndarray, source: str) -> np.ndarray:
    """Which rows of a run's log are candidates: those with a prompt, or every row where the log
    has no prompt column (``has_prompt`` None) or a prompt on no row. A run whose test scores
    all lie on rows without a prompt gets a warning saying so (it has no scored candidate)."""
    rows = len(test_score)
    if has_prompt is None:
        return np.ones(rows, dtype=bool)
    if rows and not has_prompt.any():
        log.warning("%s: the prompt column is empty on every row; each row is taken as a candidate prompt, as "
                    "for a log without that column (only the prompts' text is missing: its %d test score(s) "
                    "count).", source, int(np.isfinite(test_score).sum()))
        return np.ones(rows, dtype=bool)
    scored = np.isfinite(test_score)
    if scored.any() and not (scored & has_prompt).any():
        log.warning("%s: its %d test score(s) are all on rows with an empty prompt, which are not candidate "
                    "prompts, so the run has no scored candidate and is left out of the score artifacts. Fill in "
                    "the prompt column of those rows (or empty it on every row) to include it.", source,
                    int(scored.sum()))
    return has_prompt


def step_scores(frame: pd.DataFrame, source: str = "the step log", time_elapsed: str = "auto") -> pd.DataFrame:
    """One row per step (sorted by step) of a run's step log, as read by ``read_step_log``.

    Columns: ``step``; ``candidates`` (rows with a non-empty prompt);
    ``best_train_test_score`` (the best-train prompt's test_score; NaN when
    the step has no candidate); ``mean_test_score`` (the mean test_score over
    the candidates that have one, the population mean); ``time_elapsed_s``
    (the step's own seconds: its largest time_elapsed, read by the log's convention,
    ``elapsed.py``, which config ``optimization.time_elapsed`` may state; NaN without
    the column);
    ``has_test_score`` (whether any candidate of the run has a test_score:
    the same on every row).
    """
    has_prompt = None
    if "prompt" in frame:
        prompt = frame["prompt"].to_numpy(dtype=object)
        has_prompt = pd.notna(prompt) & (prompt != "")
    test_score = _floats(frame, "test_score")
    columns = step_score_columns(frame["step"].to_numpy(), candidate_rows(has_prompt, test_score, source),
                                 _floats(frame, "score"), test_score, _floats(frame, "time_elapsed"),
                                 _floats(frame, "timestamp") if "timestamp" in frame else None, time_elapsed, source)
    return pd.DataFrame({"step": np.unique(frame["step"].to_numpy()), **columns})


def step_score_columns(step: np.ndarray, is_candidate: np.ndarray, score: np.ndarray,
                       test_score: np.ndarray, time_elapsed: np.ndarray, timestamp: np.ndarray | None = None,
                       convention: str = "auto", source: str = "the step log") -> dict[str, np.ndarray]:
    """``step_scores`` on a log's arrays (float64, NaN where missing; ``timestamp`` in seconds,
    None without the column): its ``STEP_SCORE_COLUMNS``, one value per distinct step in sorted order."""
    steps, codes = np.unique(step, return_inverse=True)
    score = np.nan_to_num(score, nan=0.0)
    count = len(steps)

    rows = np.flatnonzero(is_candidate)
    # candidates by step, highest score first, file order among equal scores
    ranked = rows[np.lexsort((rows, -score[rows], codes[rows]))]
    first = np.r_[True, codes[ranked][1:] != codes[ranked][:-1]] if len(ranked) else np.zeros(0, bool)
    best_train = np.full(count, np.nan)
    best_train[codes[ranked[first]]] = test_score[ranked[first]]

    scored = rows[np.isfinite(test_score[rows])]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.bincount(codes[scored], weights=test_score[scored], minlength=count)
                / np.bincount(codes[scored], minlength=count))
    largest_time = np.full(count, np.nan)
    np.fmax.at(largest_time, codes, time_elapsed)  # fmax skips NaN
    latest_stamp = None
    if timestamp is not None:
        latest_stamp = np.full(count, np.nan)
        np.fmax.at(latest_stamp, codes, timestamp)
    return {
        "candidates": np.bincount(codes[rows], minlength=count).astype("int64"),
        "best_train_test_score": best_train,
        "mean_test_score": mean,
        "time_elapsed_s": step_durations(largest_time, latest_stamp, convention, source),
        "has_test_score": np.full(count, len(scored) > 0),
    }


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as float64 (NaN where null); all NaN when the log lacks it."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].to_numpy(dtype="float64", na_value=np.nan)


def optimization_steps(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The token stage's steps (each step's first row) with ``step_scores``' columns beside them."""
    tokens = first_row_per_step(frame, source=source)
    scores = step_scores(frame, source)
    return pd.concat([tokens, scores[STEP_SCORE_COLUMNS]], axis=1)


def optimization_step_columns(columns: dict[str, np.ndarray], source: str,
                              time_elapsed: str = "auto") -> dict[str, np.ndarray]:
    """``optimization_steps`` on the arrays of ``steplogs.read_step_columns``: ``step``, the
    four token counts (each step's first row) and ``STEP_SCORE_COLUMNS``, one value per step
    (``time_elapsed``: the convention config optimization.time_elapsed states, elapsed.py)."""
    step = columns["step"]
    steps, first = first_rows(step, np.column_stack([columns[name] for name in TOKEN_COLUMNS]), source)
    missing = np.full(len(step), np.nan)
    test_score = columns.get("test_score", missing)
    scores = step_score_columns(step, candidate_rows(columns.get(CANDIDATE_COLUMN), test_score, source),
                                columns.get("score", missing), test_score, columns.get("time_elapsed", missing),
                                columns.get("timestamp"), time_elapsed, source)
    return {"step": steps, **{name: first[:, i] for i, name in enumerate(TOKEN_COLUMNS)}, **scores}


def racing_counts(path: str) -> tuple[int, int]:
    """``(evaluated, full)`` evaluation blocks of a run's ``prompt_scores.parquet``.

    The block columns are every column except the pandas index (the prompt
    text, stored as ``__index_level_0__``), as CAPO's calculate_saved_evals
    notebook counts them after ``pd.read_parquet``. A null or NaN cell is a
    block that racing skipped.
    """
    try:
        schema = pq.read_schema(path)
        blocks = _block_columns(schema)
        _no_repeated_blocks(path, blocks)
        table = pq.read_table(path, columns=blocks)
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError, EOFError) as error:
        raise InputError(
            f"{path}: cannot be read as a racing log ({_first_line(error)}). The file may be "
            f"empty, truncated or corrupt: copy it again from the run's output, or remove it "
            f"(the run is then left out of the racing savings).") from None
    if not blocks:
        raise InputError(f"{path}: no evaluation-block columns (only the index). A racing log "
                         f"has one column per block; copy the run's file again, or remove it.")
    not_numeric = [field.name for field in table.schema
                   if not (pa.types.is_floating(field.type) or pa.types.is_integer(field.type))]
    if not_numeric:
        raise InputError(f"{path}: block column(s) {', '.join(not_numeric)} are not numeric; a "
                         f"racing log holds one score per prompt and block. Is this a CAPO "
                         f"prompt_scores.parquet?")
    if table.num_rows == 0:
        raise InputError(f"{path}: the racing log has no prompts (no rows). Copy the complete "
                         f"file again, or remove it.")
    cells = [column.to_numpy(zero_copy_only=False).astype("float64") for column in table.columns]
    for name, values in zip(blocks, cells):
        outside = RANGES["block score"].outside(values)
        if outside.any():
            row = int(np.argmax(outside))
            raise InputError(f"{path}: block column {name}, prompt row {row + 1}: value {float(values[row])!r} "
                             f"is not {RANGES['block score'].what}. Copy the run's file again, or remove it "
                             f"(the run is then left out of the racing savings).")
    evaluated = sum(int(np.isfinite(values).sum()) for values in cells)
    return evaluated, table.num_rows * len(blocks)


def _no_repeated_blocks(path: str, blocks: list[str]) -> None:
    """An InputError naming the first block column that appears more than once."""
    for name in blocks:
        if blocks.count(name) > 1:
            raise InputError(f"{path}: block column {name} appears {blocks.count(name)} times; a racing log "
                             f"has one column per evaluation block. Copy the run's file again, or remove it "
                             f"(the run is then left out of the racing savings).")


def _block_columns(schema: pa.Schema) -> list[str]:
    """The schema's columns that are not a stored pandas index."""
    index = {name for name in (schema.pandas_metadata or {}).get("index_columns", [])
             if isinstance(name, str)}
    return [name for name in schema.names
            if name not in index and not (name.startswith("__index_level_") and name.endswith("__"))]


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
