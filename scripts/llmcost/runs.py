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
from .optimization_logs import optimization_steps, racing_counts
from .steplogs import MAX_COUNT, TOKEN_COLUMNS, read_step_log


def _identify(table: pd.DataFrame, run: Run) -> pd.DataFrame:
    for position, key in enumerate(RUN_KEYS):
        table.insert(position, key, getattr(run, key))
    return table


def run_steps(run: Run) -> pd.DataFrame:
    """One row per optimizer step of ``run``: step, four token counts and the optimization
    stage's per-step scores (``steps_of_runs`` adds the run's identifiers).

    A run's total of a token column must stay below 2**53 (exact in float64),
    like each count; otherwise an InputError names the step log and the column.
    """
    steps = optimization_steps(read_step_log(run.log_path), source=run.run)
    for column in TOKEN_COLUMNS:
        if sum(steps[column].tolist()) >= MAX_COUNT:  # Python ints: exact, cannot wrap
            raise InputError(f"{run.log_path}: column {column} sums to more than 2^53 tokens over "
                             f"the run's steps, beyond what the totals can hold exactly. Check the "
                             f"column: it should hold the tokens spent in each step, not a running total.")
    return steps


def steps_of_runs(runs: list[Run]) -> pd.DataFrame:
    """The per-step table of several runs, in the order given, with each run's identifiers."""
    per_run = [run_steps(run) for run in runs]
    steps = pd.concat(per_run, ignore_index=True)
    lengths = [len(table) for table in per_run]
    for position, key in enumerate(RUN_KEYS):  # one column each, not one per run (text is costly)
        steps.insert(position, key, np.repeat([getattr(run, key) for run in runs], lengths))
    return steps


def racing_of_runs(runs: list[Run]) -> pd.DataFrame:
    """One row per run that has a racing log: identifiers, ``evaluated_blocks``, ``full_blocks``."""
    rows = []
    for run in runs:
        path = racing_log(run.log_path)
        if path is not None:
            evaluated, full = racing_counts(path)
            rows.append(_identify(pd.DataFrame({"evaluated_blocks": [evaluated], "full_blocks": [full]}), run))
    columns = [*RUN_KEYS, "evaluated_blocks", "full_blocks"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)
