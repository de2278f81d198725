"""The valid range of every numeric input column that a stage reads.

A value outside its column's range (a score in percent, a negative duration)
would flow silently into the paper's numbers, so the readers (``steplogs``,
``optimization_logs``, ``routing_data``) stop at it with the file, the row and
the column. Token counts and steps are checked in ``steplogs`` (whole numbers
in [0, 2**53)). docs/bad-input.md lists every column with its reader and range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Range:
    """Finite values in [low, high]; ``what`` says so to the user."""

    low: float
    high: float
    what: str

    def outside(self, values) -> np.ndarray:
        """Which values are outside the range; NaN (a missing value) is not (callers that need
        a value check that themselves)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return ~np.isnan(values) & ~(np.isfinite(values) & (values >= self.low) & (values <= self.high))


FRACTION = "a fraction between 0 and 1 (e.g. 0.898, not 89.8 %)"

#: column -> its valid range
RANGES = {
    # step logs (steplogs.read_step_log): the optimization stage's columns; empty cells are allowed
    "score": Range(0.0, 1.0, f"a score: {FRACTION}"),
    "test_score": Range(0.0, 1.0, f"a test score: {FRACTION}"),
    "time_elapsed": Range(0.0, math.inf, "a duration: a finite number of seconds, 0 or more"),
    # racing logs (optimization_logs.racing_counts): one block score per prompt; null = skipped
    "block score": Range(0.0, 1.0, f"a block score: {FRACTION}, or empty where racing skipped the block"),
    # routing data (routing_data.load_dataset)
    "avg_logp": Range(-math.inf, 0.0, "a mean log-probability: a finite number, 0 or less"),
    "avg_entropy_nats": Range(0.0, math.inf, "an entropy: a finite number of nats, 0 or more"),
    "slm_confidence": Range(0.0, 1.0, f"a confidence: {FRACTION}"),
    "perf_slm": Range(0.0, 1.0, f"a performance score (accuracy or F1): {FRACTION}"),
    "perf_llm": Range(0.0, 1.0, f"a performance score (accuracy or F1): {FRACTION}"),
}

