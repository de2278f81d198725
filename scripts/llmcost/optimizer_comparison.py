"""Optimizers compared across tasks: probability of improvement and score difference, with
stratified bootstrap intervals (the statistics of rliable, written with numpy).

For a budget b and each pair of optimizers X < Y (names sorted), from runs.csv:

- **Values**: each run's ``test_score_pct_at_{b}``; runs without one are left out.
- **Tasks**: the (dataset, model) pairs, sorted by dataset then model, where both
  X and Y have at least one value; per task t, x_t is X's values ordered by
  seed, y_t Y's.
- **P(X > Y)**: the mean over tasks of the mean over all pairs (i, j) of
  1 if x_t,i > y_t,j, 0.5 if equal, 0 otherwise (rliable's
  ``probability_of_improvement``, defined the same way where counts differ).
- **Δ(X, Y)**: the mean over tasks of mean(x_t) - mean(y_t), in percentage points.
- **Stratified bootstrap**: resample r = 0 ... B-1 starts
  ``rng = numpy.random.default_rng([seed, 2, r])`` and, for each task in order,
  draws ``ix = rng.integers(0, n_x, size=n_x)`` then
  ``iy = rng.integers(0, n_y, size=n_y)``; P and Δ of the resampled values.
  The stream restarts for every pair and budget. The 95 % interval is
  ``numpy.percentile(values, [2.5, 97.5])``.
- **Stratified permutation test** of "no difference" (X's and Y's runs of a
  task exchangeable): permutation r = 0 ... R-1 starts
  ``rng = numpy.random.default_rng([seed, 3, r])`` and draws
  ``keys = rng.random(N)``, a key per run, N the pair's runs, in the order
  task by task, X's runs then Y's (the same numbers as a call per task). In
  each task the n_x runs with the smallest keys (``argsort``, stable) are
  relabelled X, the others Y, and P_r is P(X > Y) of the relabelled runs. The
  two-sided p-value is ``(1 + #{r: |P_r - 0.5| >= |P - 0.5| - 1e-9}) / (R + 1)``
  (1e-9 absorbs the rounding of the sums; distinct values of P differ by far
  more): ``permutation_p_value``. The stream restarts for every pair and
  budget.
- **Fewest runs for a verdict**: even runs completely separated in every task
  cannot give a p-value below ``2 * prod_t 1 / C(n_x,t + n_y,t, n_x,t)`` (the
  chance that relabelling separates them again, either way round); where
  that exceeds 0.05 the pair has too few runs for a verdict (one run a side
  on one task: 1; two a side: 1/3; three: 1/10).
- **Verdict** (a test measures by simulation that "no difference" gives a
  decisive verdict in at most 5 % of cases, from 1 task x 1 run a side to
  15 tasks x 3): "too few runs" where the bound above exceeds 0.05; else
  "better" (X over Y) where the p-value is at most 0.05 and the interval of
  P lies above 0.5 (its low end > 0.5), "worse" where the p-value is at most
  0.05 and the interval lies below (its high end < 0.5), "not
  distinguishable" otherwise; a pair without a common task has no values and
  the verdict "no common task".

How it is computed: one ``integers`` call per resample with the tasks' bounds
as an array draws the same numbers as the calls one task at a time (numpy's
bounded draws take the generator's numbers one by one either way; a test
checks it against the loop). A resample is kept as counts: how often it drew
each run. P's numerator per task is then an integer, sum over i, j of
count_x,i * count_y,j * (2, 1 or 0), so it is exact in any order; the means
add in a fixed order (runs, then tasks, left to right), so the bytes are the
same on any machine. A permutation is kept as which runs it labels X: its
P's numerator per task is again an exact integer, sum over i, j of
[i is X] * (2, 1 or 0) * [j is Y] over the task's pooled runs.
"""

from __future__ import annotations

from itertools import combinations
from math import comb, prod

import numpy as np
import pandas as pd

from .optimization import budget_label
from .summation import row_totals

COLUMNS = ["budget_tokens", "optimizer_x", "optimizer_y", "tasks", "p_improvement", "p_ci_low", "p_ci_high",
           "delta_pct_points", "delta_ci_low", "delta_ci_high", "permutation_p_value", "verdict"]
BETTER, WORSE, NOT_DISTINGUISHABLE, NO_TASK = "better", "worse", "not distinguishable", "no common task"
TOO_FEW_RUNS = "too few runs"
COMPARISON = {"resamples": 2000, "permutations": 2000, "seed": 0}
STREAM = 2  # the middle word of the bootstrap's seed: [seed, 2, r] (routing uses 0 and 1)
PERMUTATION_STREAM = 3  # the permutation test's: [seed, 3, r]
ALPHA = 0.05  # the largest p-value of a decisive verdict
TIE = 1e-9  # |P_r - 0.5| within this of |P - 0.5| counts as at least as far from 0.5
PERCENTILES = [2.5, 97.5]
CHUNK_CELLS = 1 << 21  # drawn runs per chunk of resamples (bounds memory)


def cell_values(runs: pd.DataFrame, budget: float) -> dict[tuple[str, str, str], np.ndarray]:
    """Per (dataset, model, optimizer): its runs' test scores at ``budget`` [%], ordered by seed;
    runs without one are left out."""
    column = f"test_score_pct_at_{budget_label(budget)}"
    scored = runs.loc[runs[column].notna(), ["dataset", "model", "optimizer", "seed", column]]
    scored = scored.sort_values("seed", kind="stable")
    return {key: group[column].to_numpy(dtype=float)
            for key, group in scored.groupby(["dataset", "model", "optimizer"], sort=False)}


def pair_tasks(cells: dict, x: str, y: str) -> list[tuple[tuple[str, str], np.ndarray, np.ndarray]]:
    """The tasks of optimizers ``x`` and ``y`` among ``cells`` (``cell_values``): ((dataset, model),
    x_t, y_t), sorted by dataset then model, where both have a value."""
    tasks = sorted({(d, m) for d, m, o in cells if o == x} & {(d, m) for d, m, o in cells if o == y})
    return [(task, cells[(*task, x)], cells[(*task, y)]) for task in tasks]


def probability_of_improvement(xs: list[np.ndarray], ys: list[np.ndarray]) -> float:
    """P(X > Y) of tasks given as X's and Y's values per task (ties count half)."""
    tasks = _Tasks(xs, ys)
    return float(_statistics(tasks, *tasks.every_run_once())[0][0])


def score_difference(xs: list[np.ndarray], ys: list[np.ndarray]) -> float:
    """Δ(X, Y): the mean over tasks of X's mean minus Y's, in the values' unit."""
    tasks = _Tasks(xs, ys)
    return float(_statistics(tasks, *tasks.every_run_once())[1][0])


class _Tasks:
    """A pair's tasks as padded arrays: values (tasks x most runs, 0 where padded), run counts,
    and the comparison matrix 2 * [x > y] + [x == y] (0 where padded)."""

    def __init__(self, xs: list[np.ndarray], ys: list[np.ndarray]):
        self.count = len(xs)
        self.n_x = np.array([len(v) for v in xs], dtype=np.int64)
        self.n_y = np.array([len(v) for v in ys], dtype=np.int64)
        self.x = _padded(xs, int(self.n_x.max(initial=1)))
        self.y = _padded(ys, int(self.n_y.max(initial=1)))
        valid = (np.arange(self.x.shape[1]) < self.n_x[:, None])[:, :, None] & \
                (np.arange(self.y.shape[1]) < self.n_y[:, None])[:, None, :]
        xv, yv = self.x[:, :, None], self.y[:, None, :]
        self.wins = np.where(valid, 2 * (xv > yv) + (xv == yv), 0).astype(np.int64)
        # the bounds of one resample's draws, task by task: n_x times n_x, then n_y times n_y
        self.bounds = np.concatenate([np.repeat([nx, ny], [nx, ny]) for nx, ny in zip(self.n_x, self.n_y)]
                                     or [np.zeros(0, dtype=np.int64)])
        task = np.repeat(np.arange(self.count), self.n_x + self.n_y)
        start = np.repeat(np.cumsum(self.n_x + self.n_y) - (self.n_x + self.n_y), self.n_x + self.n_y)
        self.is_x = np.arange(len(self.bounds)) - start < self.n_x[task]
        self.slot_base_x = task[self.is_x] * self.x.shape[1]  # where each x draw's counts start
        self.slot_base_y = task[~self.is_x] * self.y.shape[1]

        # the pooled runs of each task (X's then Y's), for the permutation test: each run's
        # twice-wins over all the task's runs (itself included, a tie), so that the runs a
        # permutation labels X win twice_wins = sum of theirs - n_x ** 2 against the others
        n = self.n_x + self.n_y
        pooled = _padded([np.concatenate([x, y]) for x, y in zip(xs, ys)], int(n.max(initial=1)))
        real = np.arange(pooled.shape[1]) < n[:, None]
        both = real[:, :, None] & real[:, None, :]
        pv, pw = pooled[:, :, None], pooled[:, None, :]
        self.pooled_wins = np.where(both, 2 * (pv > pw) + (pv == pw), 0).sum(axis=2).astype(np.int64)
        self.key_slots = (np.repeat(np.arange(self.count), n) * pooled.shape[1]
                          + np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))

    def sizes(self) -> tuple:
        """What the resamples' draws depend on: the run counts per task, in order."""
        return tuple(zip(self.n_x.tolist(), self.n_y.tolist()))

    def every_run_once(self) -> tuple[np.ndarray, np.ndarray]:
        """The counts of the data itself (each run drawn once), as one resample."""
        return (_once(self.n_x, self.x.shape[1]), _once(self.n_y, self.y.shape[1]))

    def counts(self, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How often each resample (row of ``draws``) drew each run: (resamples, tasks, runs) per side."""
        rows = draws.shape[0]
        counts = []
        for picked, base, width in ((draws[:, self.is_x], self.slot_base_x, self.x.shape[1]),
                                    (draws[:, ~self.is_x], self.slot_base_y, self.y.shape[1])):
            cells = self.count * width
            flat = (np.arange(rows)[:, None] * cells + base[None, :] + picked).ravel()
            counts.append(np.bincount(flat, minlength=rows * cells).reshape(rows, self.count, width))
        return counts[0], counts[1]

    def relabelling(self, keys: np.ndarray) -> np.ndarray:
        """Which runs each permutation (row of ``keys``, a key per run) labels X: in each task
        the n_x runs with the smallest keys; (permutations, tasks, runs), 1 or 0. It depends
        only on ``sizes()``, so pairs of equal sizes share it."""
        rows, width = keys.shape[0], self.pooled_wins.shape[1]
        padded = np.full((rows, self.count * width), 2.0)  # padding sorts after every key in [0, 1)
        padded[:, self.key_slots] = keys
        padded = padded.reshape(rows, self.count, width)
        # the n_x-th smallest key of each task: the keys up to it are X's (a sort of the values is
        # four times as fast as the stable argsort that defines the choice, and the same where no
        # two keys at the cut are equal; where they are, the argsort decides)
        cut = np.take_along_axis(np.sort(padded, axis=2), (self.n_x - 1)[None, :, None], axis=2)
        labelled_x = padded <= cut
        if (labelled_x.sum(axis=2) != self.n_x).any():
            order = np.argsort(padded, axis=2, kind="stable")
            rank = np.empty_like(order)
            np.put_along_axis(rank, order, np.broadcast_to(np.arange(width), order.shape), axis=2)
            labelled_x = rank < self.n_x[None, :, None]
        return labelled_x.astype(np.int64)

    def relabelled(self, labelled_x: np.ndarray) -> np.ndarray:
        """P(X > Y) of each permutation given its ``relabelling``."""
        twice_wins = np.einsum("rti,ti->rt", labelled_x, self.pooled_wins) - self.n_x ** 2
        return row_totals(twice_wins / (2 * self.n_x * self.n_y)) / self.count

    def smallest_p_value(self) -> float:
        """The smallest p-value the permutation test can give with these run counts (runs
        completely separated in every task): 2 / prod_t C(n_x,t + n_y,t, n_x,t), at most 1."""
        arrangements = prod(comb(nx + ny, nx) for nx, ny in self.sizes())
        return min(1.0, 2 / arrangements)


def _once(n: np.ndarray, width: int) -> np.ndarray:
    """Counts of 1 for each task's n runs, 0 where padded, as one resample: (1, tasks, width)."""
    return (np.arange(width) < n[:, None]).astype(np.int64)[None]


def _padded(values: list[np.ndarray], width: int) -> np.ndarray:
    out = np.zeros((len(values), width))
    for i, v in enumerate(values):
        out[i, :len(v)] = v
    return out


def _statistics(tasks: _Tasks, count_x: np.ndarray, count_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X > Y) and Δ(X, Y) of each resample, given its counts (resamples, tasks, runs) per side."""
    # per resample and task: sum over i, j of count_x,i * wins_ij * count_y,j (an exact integer)
    weighted = np.einsum("tij,rtj->rti", tasks.wins, count_y)
    twice_wins = row_totals(count_x * weighted)
    p_task = twice_wins / (2 * tasks.n_x * tasks.n_y)
    mean_x = row_totals(count_x * tasks.x) / tasks.n_x
    mean_y = row_totals(count_y * tasks.y) / tasks.n_y
    return row_totals(p_task) / tasks.count, row_totals(mean_x - mean_y) / tasks.count


def resample_draws(bounds: np.ndarray, first: int, stop: int, seed: int) -> np.ndarray:
    """The draws of resamples ``first`` to ``stop - 1``, a row each: resample r is
    ``default_rng([seed, 2, r]).integers(0, bounds)``, the same numbers as a call per task and side."""
    draws = np.empty((stop - first, len(bounds)), dtype=np.int64)
    for row, r in enumerate(range(first, stop)):
        draws[row] = np.random.default_rng([seed, STREAM, r]).integers(0, bounds)
    return draws


def bootstrap(pairs: list[_Tasks], resamples: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """P and Δ of every resample for each of ``pairs`` (all with the same ``sizes()``, so the
    same draws): the draws are made once, in chunks of resamples."""
    tasks = pairs[0]
    widest = max(1, len(tasks.bounds), tasks.count * max(tasks.x.shape[1], tasks.y.shape[1]))
    chunk = max(1, CHUNK_CELLS // widest)
    parts: list[list] = [[] for _ in pairs]
    for first in range(0, resamples, chunk):
        draws = resample_draws(tasks.bounds, first, min(first + chunk, resamples), seed)
        counts = tasks.counts(draws)
        for part, pair in zip(parts, pairs):
            part.append(_statistics(pair, *counts))
    return [(np.concatenate([p for p, _ in part]), np.concatenate([d for _, d in part])) for part in parts]


def permutation_keys(runs: int, first: int, stop: int, seed: int) -> np.ndarray:
    """The keys of permutations ``first`` to ``stop - 1``, a row each: permutation r is
    ``default_rng([seed, 3, r]).random(runs)``, the same numbers as a call per task."""
    keys = np.empty((stop - first, runs))
    for row, r in enumerate(range(first, stop)):
        keys[row] = np.random.default_rng([seed, PERMUTATION_STREAM, r]).random(runs)
    return keys


def permutation_test(pairs: list[_Tasks], permutations: int, seed: int) -> list[float]:
    """The two-sided p-value of the stratified permutation test for each of ``pairs``. Permutation
    r's keys are a prefix of one stream, so they are drawn once for all pairs (the most runs any
    has), in chunks of permutations; pairs of equal ``sizes()`` share their relabelling."""
    if not pairs:
        return []
    groups: dict[tuple, list[int]] = {}
    for i, pair in enumerate(pairs):
        groups.setdefault(pair.sizes(), []).append(i)
    runs = max(len(pair.key_slots) for pair in pairs)
    widest = max(runs, *(pair.count * pair.pooled_wins.shape[1] for pair in pairs))
    chunk = max(1, CHUNK_CELLS // max(1, widest))
    distance = [abs(float(_statistics(pair, *pair.every_run_once())[0][0]) - 0.5) - TIE for pair in pairs]
    far = [0] * len(pairs)
    for first in range(0, permutations, chunk):
        keys = permutation_keys(runs, first, min(first + chunk, permutations), seed)
        for members in groups.values():
            labelled_x = pairs[members[0]].relabelling(keys[:, :len(pairs[members[0]].key_slots)])
            for i in members:
                far[i] += int(np.count_nonzero(np.abs(pairs[i].relabelled(labelled_x) - 0.5) >= distance[i]))
    return [(1 + count) / (permutations + 1) for count in far]


def verdict(p_low: float, p_high: float, p_value: float, smallest_p_value: float) -> str:
    """"too few runs" where even complete separation could not give a p-value of at most 0.05;
    else "better" where the p-value is at most 0.05 and the interval of P(X > Y) lies above 0.5,
    "worse" where it is and the interval lies below, "not distinguishable" otherwise."""
    if smallest_p_value > ALPHA:
        return TOO_FEW_RUNS
    if p_value > ALPHA:
        return NOT_DISTINGUISHABLE
    return BETTER if p_low > 0.5 else WORSE if p_high < 0.5 else NOT_DISTINGUISHABLE


def optimizer_comparison(runs: pd.DataFrame, budgets, resamples: int = COMPARISON["resamples"],
                         seed: int = COMPARISON["seed"],
                         permutations: int = COMPARISON["permutations"]) -> pd.DataFrame:
    """One row per budget and pair of optimizers (the content of comparison.csv, ``COLUMNS``).

    ``runs`` is runs.csv's table. With one optimizer there is no pair: no rows.
    """
    optimizers = sorted(runs["optimizer"].unique())
    combos = [(float(budget), x, y) for budget in sorted(float(b) for b in budgets)
              for x, y in combinations(optimizers, 2)]
    cells = {budget: cell_values(runs, budget) for budget in {budget for budget, _, _ in combos}}
    found = {combo: pair_tasks(cells[combo[0]], *combo[1:]) for combo in combos}
    tasks = {combo: _Tasks([x for _, x, _ in found[combo]], [y for _, _, y in found[combo]])
             for combo in combos if found[combo]}
    by_sizes: dict[tuple, list] = {}  # the stream restarts for each pair: equal sizes, equal draws
    for combo, pair in tasks.items():
        by_sizes.setdefault(pair.sizes(), []).append(combo)
    samples = {}
    for group in by_sizes.values():
        samples.update(zip(group, bootstrap([tasks[combo] for combo in group], resamples, seed)))
    p_values = dict(zip(tasks, permutation_test(list(tasks.values()), permutations, seed)))
    rows = []
    for combo in combos:
        row = dict(zip(COLUMNS, (*combo, len(found[combo]))))
        if combo in tasks:
            p, delta = _statistics(tasks[combo], *tasks[combo].every_run_once())
            p_low, p_high = np.percentile(samples[combo][0], PERCENTILES)
            d_low, d_high = np.percentile(samples[combo][1], PERCENTILES)
            row.update(p_improvement=p[0], p_ci_low=p_low, p_ci_high=p_high, delta_pct_points=delta[0],
                       delta_ci_low=d_low, delta_ci_high=d_high, permutation_p_value=p_values[combo],
                       verdict=verdict(p_low, p_high, p_values[combo], tasks[combo].smallest_p_value()))
        else:
            row["verdict"] = NO_TASK
        rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["tasks"] = table["tasks"].astype("int64")
    return table
