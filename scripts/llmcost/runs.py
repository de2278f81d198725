"""Reading each run once, for every stage: the per-step table and the racing counts.

One job per dataset calls these; the token and optimization stages then read
its two tables. A step row holds the run's identifiers, the step, its four
token counts (the step's first row, as the token-usage notebook takes them)
and the optimization stage's per-step scores (``optimization_logs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .discovery import RUN_KEYS, Run, racing_log
from .errors import InputError
from .optimization_logs import STEP_SCORE_COLUMNS, optimization_step_columns, racing_counts
from .steplogs import MAX_COUNT, TOKEN_COLUMNS, read_step_columns


def run_steps(run: Run, time_elapsed: str = "auto") -> pd.DataFrame:
    """One row per optimizer step of ``run``: step, four token counts and the optimization
    stage's per-step scores (``steps_of_runs`` adds the run's identifiers).

    A run's total of a token column must stay below 2**53 (exact in float64),
    like each count; otherwise an InputError names the step log and the column.
    """
    return pd.DataFrame(_run_step_columns(run, time_elapsed))


def _run_step_columns(run: Run, time_elapsed: str = "auto") -> dict[str, np.ndarray]:
    """``run_steps`` as arrays: read with Arrow straight into NumPy, no DataFrame per run
    (``time_elapsed``: config optimization.time_elapsed, elapsed.py)."""
    steps = optimization_step_columns(read_step_columns(run.log_path), source=run.run,
                                      time_elapsed=time_elapsed)
    for column in TOKEN_COLUMNS:
        if sum(steps[column].tolist()) >= MAX_COUNT:  # Python ints: exact, cannot wrap
            raise InputError(f"{run.log_path}: column {column} sums to more than 2^53 tokens over "
                             f"the run's steps, beyond what the totals can hold exactly. Check the "
                             f"column: it should hold the tokens spent in each step, not a running total.")
    return steps


def steps_of_runs(runs: list[Run], time_elapsed: str = "auto") -> pd.DataFrame:
    """The per-step table of several runs, in the order given, with each run's identifiers."""
    return steps_table(runs, [_run_step_columns(run, time_elapsed) for run in runs])


def steps_table(runs: list[Run], per_run: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """``steps_of_runs`` from each run's ``_run_step_columns`` (read, or kept by ``run_cache``)."""
    lengths = [len(columns["step"]) for columns in per_run]
    identifiers = {key: np.repeat([getattr(run, key) for run in runs], lengths) for key in RUN_KEYS}
    if not per_run:
        return pd.DataFrame(columns=[*RUN_KEYS, "step", *TOKEN_COLUMNS, *STEP_SCORE_COLUMNS])
    return pd.DataFrame({**identifiers, **{name: np.concatenate([columns[name] for columns in per_run])
                                           for name in per_run[0]}})


def racing_of_runs(runs: list[Run]) -> pd.DataFrame:
    """One row per run that has a racing log: identifiers, ``evaluated_blocks``, ``full_blocks``."""
    return racing_table(runs, [run_racing_counts(run, racing_log(run.log_path)) for run in runs])


def run_racing_counts(run: Run, path: str | None) -> tuple[int, int] | None:
    """``(evaluated, full)`` blocks of the run's racing log at ``path``; None without one."""
    return None if path is None else racing_counts(path)


def racing_table(runs: list[Run], counts: list[tuple[int, int] | None]) -> pd.DataFrame:
    """``racing_of_runs`` from each run's ``run_racing_counts`` (read, or kept by ``run_cache``)."""
    columns = [*RUN_KEYS, "evaluated_blocks", "full_blocks"]
    rows = [[*(getattr(run, key) for key in RUN_KEYS), *found] for run, found in zip(runs, counts)
            if found is not None]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({name: [row[i] for row in rows] for i, name in enumerate(columns)})
