"""Sums whose bits do not depend on the machine: fsum is order-free, row sums go left to right."""

import math
import statistics

import numpy as np
import pytest

from llmcost.summation import mean, row_means, row_totals, std, total


def test_total_is_correctly_rounded_in_any_order():
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, 10_001) * 10.0 ** rng.integers(-8, 8, 10_001)
    values = np.concatenate((values, [1e16, 1.0, -1e16]))  # naive order loses the 1.0
    expected = math.fsum(values.tolist())
    orders = [np.random.default_rng(seed).permutation(values) for seed in range(5)]
    assert [total(order) for order in orders] == [expected] * 5
    assert len({float(np.add.accumulate(order)[-1]) for order in orders}) > 1  # naive sums differ
    assert total([1e16, 1.0, -1e16]) == 1.0


def test_total_of_non_finite_values():
    assert total([]) == 0.0
    assert math.isnan(total([1.0, math.nan]))
    assert total([1.0, math.inf]) == math.inf
    assert math.isnan(total([math.inf, -math.inf]))  # math.fsum would raise


def test_row_totals_add_left_to_right():
    values = np.random.default_rng(1).uniform(0, 1, (7, 1001))
    expected = []
    for row in values:
        running = 0.0
        for value in row:
            running += value
        expected.append(running)
    assert row_totals(values).tolist() == expected
    assert row_means(values).tolist() == [value / 1001 for value in expected]
    assert row_totals(np.zeros((3, 0))).tolist() == [0.0, 0.0, 0.0]
    assert float(row_totals(np.array([0.1, 0.2, 0.3]))) == (0.1 + 0.2) + 0.3


def test_mean_and_std_skip_missing_values_as_pandas_does():
    values = [0.1, math.nan, 0.7, 0.4, 0.9]
    present = [0.1, 0.7, 0.4, 0.9]
    assert mean(values) == pytest.approx(statistics.fmean(present), abs=1e-15)
    assert std(values, ddof=1) == pytest.approx(statistics.stdev(present), abs=1e-15)
    assert std(values, ddof=0) == pytest.approx(statistics.pstdev(present), abs=1e-15)
    assert math.isnan(mean([math.nan])) and math.isnan(std([0.5], ddof=1))
