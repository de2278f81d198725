"""Sums and means whose bits do not depend on the machine.

A float sum's last bits depend on the order of its additions. ``np.dot`` and
``@`` hand that order to BLAS, whose kernel (chosen by CPU model, or by
``OPENBLAS_CORETYPE``) changes it; NumPy's own reductions may change it with
the SIMD level or the NumPy version. Every number the pipeline publishes is
therefore summed here, in one of two ways:

- ``total``, ``mean``, ``std``: ``math.fsum``, the correctly rounded sum, the
  same whatever the order (for a handful to a million values);
- ``row_totals``, ``row_means``: each row of a 2-D array added left to right
  (``np.add.accumulate``, which is sequential by definition): vectorised for
  the bootstrap's thousands of rows, and fixed in order.

Counts are integers and need neither.

Every published mean of non-integer values goes through ``mean`` (the quoted
numbers of numbers.py, the tables' averages, the overall shares and savings),
except these, which are pandas' grouped reductions over cells and runs:

- the per-cell mean and std (ddof=0) of the test score at each budget and
  along the score curve, and of the wall-clock (``optimization._count_mean_std``:
  scores.csv, the score figure's data, summary.json), and each run's wall-clock,
  a grouped sum of its steps' seconds (``optimization.wall_clock_hours``);
- the per-cell std (ddof=1) of the token totals (``tokens.summarize``).

pandas adds a group's rows one by one in the table's order (its grouped sum and
mean are Kahan-compensated, its variance is Welford's), in Cython: no BLAS and
no SIMD path, so their bits depend on the pandas version and the order of the
rows alone, which does not depend on the machine;
tests/test_machine_independent.py regenerates every artifact on other CPU
paths and compares the bytes. Moving them to ``mean`` and ``std`` would change
the last bits of scores.csv and summary.json without changing what is
printed. Means of integers (token totals and counts, racing blocks:
``tokens.summarize``, ``optimization.racing_savings``, the cumulative tokens of
the token figure) are exact in any order below 2**53, which runs.py checks.
"""

from __future__ import annotations

import math

import numpy as np


def total(values) -> float:
    """The correctly rounded sum of ``values`` (NaN propagates; +inf and -inf give NaN)."""
    values = np.asarray(values, dtype=float).ravel()
    if not np.isfinite(values).all():
        with np.errstate(invalid="ignore"):
            return float(np.add.accumulate(values)[-1])  # NaN or inf whatever the order
    return math.fsum(values.tolist())


def mean(values) -> float:
    """The mean of the values that are not NaN (as pandas' ``mean``); NaN if there are none."""
    values = np.asarray(values, dtype=float).ravel()
    values = values[~np.isnan(values)]
    return total(values) / len(values) if len(values) else math.nan


def std(values, ddof: int = 1) -> float:
    """The standard deviation of the values that are not NaN, two-pass with ``total``;
    NaN with ``ddof`` or fewer values."""
    values = np.asarray(values, dtype=float).ravel()
    values = values[~np.isnan(values)]
    if len(values) <= ddof:
        return math.nan
    deviation = values - mean(values)
    return math.sqrt(total(deviation * deviation) / (len(values) - ddof))


def row_totals(values: np.ndarray) -> np.ndarray:
    """Each row's sum, its values added left to right (0 for a row of no values)."""
    values = np.asarray(values, dtype=float)
    if values.shape[-1] == 0:
        return np.zeros(values.shape[:-1])
    return np.add.accumulate(values, axis=-1)[..., -1]


def row_means(values: np.ndarray) -> np.ndarray:
    """Each row's mean, from ``row_totals``."""
    values = np.asarray(values, dtype=float)
    return row_totals(values) / values.shape[-1]
