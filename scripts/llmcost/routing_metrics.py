"""Curve metrics of routing, as the routing papers define them.

A *curve* is a router's (or the oracle's) operating points ordered by routed
share ``s`` (the share of queries sent to the large model), from 0 to 1, each
with its mean performance ``p``: the small model's performance on the kept
queries, the large model's on the routed ones. ``P_slm`` and ``P_llm`` are the
mean performance of always keeping and of always routing.

- ``PGR = (p - P_slm) / (P_llm - P_slm)``: the performance gap recovered.
- **APGR** (RouteLLM): the trapezoid integral of PGR over s in [0, 1] along the
  curve; random routing scores 0.5.
- **CPT(x)** (RouteLLM): the smallest s at which the linearly interpolated PGR
  reaches x (x in ``CPT_LEVELS``: 0.2, 0.5, 0.8).
- **AIQ** (RouterBench): the upper convex hull of the (s, p) points, made
  non-decreasing by a running maximum, integrated over s in [0, 1]; in
  performance units.
- ``delta_IBC(s) = 100 (PGR(s) / s - 1)``: the notebook's, percent more
  performance per unit of extra cost than random mixing. Its cost model charges
  the verifier on both ends, so the verifier cancels: it is AutoMix's IBC lift
  with the small model and the verifier free (``costs=[0, llm]``,
  ``verifier_cost=0``; docs/routing-metrics.md).
- **delta_IBC_5**: the mean of delta_IBC at s = 0.1, 0.3, 0.5, 0.7, 0.9, PGR
  linearly interpolated.
- **best delta_IBC (exact)**: the maximum of delta_IBC over the curve's points
  with s >= ``min_routed_share``.
- **AutoMix's delta_IBC** (``automix/main.py``, ``Automix.train``'s
  ``ibc_lift`` x 100 with ``costs=[slm, llm]``, ``verifier_cost=v_r``): with a
  query costing slm + v_r + s llm (``routing_model``: v_r the router's
  verifier charge), ``IBC_automix = (p - P_slm) / (slm + v_r + s llm - slm)``
  against ``(P_llm - P_slm) / (llm - slm)``, the small model alone against the
  large model alone: ``delta_IBC_automix = 100 (IBC_automix - base) / base``.
  The verifier is charged, and does not cancel. **best delta_IBC_automix**:
  its maximum over the curve's points with s >= ``min_routed_share``.
- **Verifier break-even cost**: the largest per-query verifier cost at which
  some point with s >= ``min_routed_share`` (and s > 0: it routes something)
  still has delta_IBC_automix >= 0, the maximum over those points of
  ``(p - P_slm) (llm - slm) / (P_llm - P_slm) - s llm`` (cost units; negative:
  not even a free verifier would pay).

**No baseline.** A sample of n queries has no IBC baseline when
``P_llm - P_slm <= scale / n`` with ``scale = max(max|perf_slm|, max|perf_llm|)``
(1 for accuracy): the large model is not better by even one query's full
swing. Then every metric normalised by ``P_llm - P_slm`` is NaN; AIQ stays
defined. AutoMix's metrics are NaN too where llm <= slm
(``routing_model.no_automix_baseline_reason``).

Curves are built for a batch of *samples* at once, each the array of the rows
it draws (one sample per row of a 2-D array): the data itself draws every row
once, a bootstrap resample draws n rows with replacement, a calibration half
draws its rows. A router's rows are sorted once, so that every threshold
keeps a prefix (``keep_order``); a sample's curve is then the number and the
performance of the rows it draws from each tie group in that fixed order (its
weight vector summed per tie group), counted with ``np.bincount``: never a new
sort. A tie group the sample does not draw repeats the previous point
(``Curves.point`` marks the real ones); repeats add nothing to a trapezoid or
an interpolation, and AIQ and the threshold choice skip them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .routing_model import DEFAULT_COSTS, ROUTERS, Costs, baseline_gap_tolerance
from .summation import row_means, row_totals, total

#: the PGR levels x of CPT(x); each is the metric ``CPT_{100 x}`` (declared in quantities.py)
CPT_LEVELS = (0.2, 0.5, 0.8)
IBC_5_SHARES = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
METRICS = ("AIQ", "APGR", *(f"CPT_{round(100 * level)}" for level in CPT_LEVELS), "delta_IBC_5", "best_delta_IBC",
           "best_delta_IBC_automix", "verifier_break_even_cost")
#: metrics in performance units; every other metric is divided by P_llm - P_slm
UNNORMALISED = ("AIQ",)


def has_baseline(p_slm, p_llm, n, scale):
    """Whether the large model beats the small one by more than one query's full swing
    (``routing_model.baseline_gap_tolerance``); element-wise over samples."""
    return np.asarray(p_llm) - np.asarray(p_slm) > baseline_gap_tolerance(n, np.asarray(scale))


def performance_scale(perf_slm: np.ndarray, perf_llm: np.ndarray) -> np.ndarray:
    """Per query ``max(|perf_slm|, |perf_llm|)``; its maximum over a sample is the ``scale``."""
    return np.maximum(np.abs(perf_slm), np.abs(perf_llm))


# --- Curves ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeepOrder:
    """A router's rows in the order a loosening threshold keeps them.

    ``key = sign * score`` ascending (sign -1 for keep-when ``>=``, +1 for
    ``<=``), so threshold t keeps the rows with ``key <= sign * t``: a prefix.
    Rows of equal key form a tie group, kept or routed together.
    """

    rows: np.ndarray  # row indices in keep order (stable argsort of key)
    key: np.ndarray  # key in keep order
    sign: float
    group_start: np.ndarray  # position of each tie group's first row
    group_of_row: np.ndarray  # each row's tie group (by row index)

    @property
    def thresholds(self) -> np.ndarray:
        """The threshold of each curve column in keep order: one that keeps nothing, then the
        score of each tie group (the last kept group)."""
        group_end = np.append(self.group_start[1:], len(self.key)) - 1
        beyond = np.nextafter(self.key[0], -np.inf)
        return self.sign * np.concatenate(([beyond], self.key[group_end]))

    def kept(self, threshold) -> np.ndarray:
        """How many rows each threshold keeps: a prefix of the keep order."""
        return np.searchsorted(self.key, self.sign * np.asarray(threshold, dtype=float), side="right")

    def keeps(self, score: np.ndarray, threshold: float) -> np.ndarray:
        """The router's keep rule: which of ``score`` keep the small model's answer at ``threshold``."""
        return self.sign * score <= self.sign * threshold


def keep_order(score: np.ndarray, keep_when: str) -> KeepOrder:
    sign = -1.0 if keep_when == ">=" else 1.0
    rows = np.argsort(sign * score, kind="stable")
    key = sign * score[rows]
    starts = np.diff(key, prepend=-np.inf) != 0
    group_of_row = np.empty(len(rows), dtype=np.int64)
    group_of_row[rows] = np.cumsum(starts) - 1
    return KeepOrder(rows, key, sign, np.flatnonzero(starts), group_of_row)


@dataclass(frozen=True)
class Curves:
    """One curve per sample, columns by routed share ascending (2-D arrays)."""

    share: np.ndarray
    perf: np.ndarray
    point: np.ndarray  # False on a repeat of the next column (a tie group the sample does not draw)


def _count(labels: np.ndarray, bins: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per sample (row of ``labels``), the count (or sum of ``weights``) of each label in 0..bins-1."""
    shifted = (labels + bins * np.arange(len(labels))[:, None]).ravel()
    return np.bincount(shifted, None if weights is None else weights.ravel(),
                       minlength=bins * len(labels)).reshape(len(labels), bins)


def _cumulative(per_group: np.ndarray) -> np.ndarray:
    """Running totals along each row, starting from 0."""
    total = np.zeros((len(per_group), per_group.shape[1] + 1))
    np.cumsum(per_group, axis=1, out=total[:, 1:])
    return total


def router_curves(order: KeepOrder, samples: np.ndarray, perf_slm: np.ndarray,
                  perf_llm: np.ndarray, llm_total: np.ndarray | None = None) -> Curves:
    """Curves of one router for each sample (row of ``samples``: the row indices it draws).

    Columns are the tie groups' ends plus nothing kept; ``thresholds[::-1]``
    gives each column's threshold. ``llm_total``: each sample's ``row_totals``
    of perf_llm, if already known.
    """
    size = samples.shape[1]
    groups = order.group_of_row[samples]
    kept = _cumulative(_count(groups, len(order.group_start)))
    gain = _cumulative(_count(groups, len(order.group_start), (perf_slm - perf_llm)[samples]))
    llm_total = row_totals(perf_llm[samples]) if llm_total is None else llm_total
    perf = (llm_total[:, None] + gain) / size
    point = kept[:, 1:] > kept[:, :-1]
    point = np.concatenate((point[:, ::-1], np.ones((len(samples), 1), dtype=bool)), axis=1)
    return Curves((size - kept[:, ::-1]) / size, perf[:, ::-1], point)


def oracle_order(perf_slm: np.ndarray, perf_llm: np.ndarray) -> np.ndarray:
    """Rows in decreasing order of ``perf_llm - perf_slm``: the oracle routes them in this order."""
    return np.argsort(perf_slm - perf_llm, kind="stable")


def oracle_curves(order: np.ndarray, samples: np.ndarray, perf_slm: np.ndarray,
                  perf_llm: np.ndarray, slm_total: np.ndarray | None = None) -> Curves:
    """The oracle's curve for each sample of N rows: one point per routed count k = 0..N, each
    drawn row a query of its own (a row drawn twice is routed twice, one after the other).
    ``slm_total``: each sample's ``row_totals`` of perf_slm, if already known."""
    count, size = samples.shape
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    drawn = _count(rank[samples], len(order))  # how often each row is drawn, in the oracle's order
    gap = np.repeat(np.tile((perf_llm - perf_slm)[order], count), drawn.ravel()).reshape(count, size)
    slm_total = row_totals(perf_slm[samples]) if slm_total is None else slm_total
    perf = (slm_total[:, None] + _cumulative(gap)) / size
    share = np.broadcast_to(np.arange(size + 1) / size, perf.shape)
    return Curves(share, perf, np.ones(perf.shape, dtype=bool))


def router_curve(frame: pd.DataFrame, router: str) -> pd.DataFrame:
    """One router's curve on the whole data: ``share``, ``perf`` and the ``threshold`` that gives it."""
    column, keep_when = ROUTERS[router]
    order = keep_order(frame[column].to_numpy(dtype=float), keep_when)
    curves = router_curves(order, np.arange(len(frame))[None], *performance(frame))
    return pd.DataFrame({"share": curves.share[0], "perf": curves.perf[0],
                         "threshold": order.thresholds[::-1]})


def performance(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The columns ``perf_slm`` and ``perf_llm`` as float arrays."""
    return frame["perf_slm"].to_numpy(dtype=float), frame["perf_llm"].to_numpy(dtype=float)


# --- Metrics ---------------------------------------------------------------------------------

def pgr(curves: Curves, p_slm: np.ndarray, p_llm: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """PGR at every column; NaN on rows without a baseline."""
    gap = np.where(baseline, p_llm - p_slm, np.nan)
    return (curves.perf - p_slm[:, None]) / gap[:, None]


def delta_ibc(share, gap_recovered):
    """``100 (PGR / s - 1)``; NaN where nothing is routed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(share > 0, 100 * (gap_recovered / share - 1), np.nan)


def interpolate(share: np.ndarray, values: np.ndarray, at) -> np.ndarray:
    """``values`` linearly interpolated at the shares ``at``, row by row (samples x len(at)).

    Each row's share rises from 0 to 1; repeated points are allowed. One
    ``searchsorted`` serves every row: row r is shifted by 2 r.
    """
    samples, columns = share.shape
    at = np.asarray(at, dtype=float)
    start = (np.arange(samples) * columns)[:, None]
    shifted = (share + 2.0 * np.arange(samples)[:, None]).ravel()
    upper = np.searchsorted(shifted, (at + 2.0 * np.arange(samples)[:, None]).ravel()).reshape(samples, len(at))
    upper = np.minimum(upper, start + columns - 1)
    lower = np.maximum(upper - 1, start)
    s_low, s_up = share.ravel()[lower], share.ravel()[upper]
    v_low, v_up = values.ravel()[lower], values.ravel()[upper]
    width = s_up - s_low
    fraction = np.where(width > 0, (at - s_low) / np.where(width > 0, width, 1.0), 0.0)
    return v_low + fraction * (v_up - v_low)


def trapezoid(share: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The trapezoid integral of each row of ``values`` over ``share`` (as ``np.trapezoid``, its
    segments added left to right)."""
    return row_totals((share[:, 1:] - share[:, :-1]) * (values[:, 1:] + values[:, :-1])) / 2


def cpt(share: np.ndarray, gap_recovered: np.ndarray, level: float) -> np.ndarray:
    """CPT(level): the smallest share where the interpolated PGR reaches ``level``; NaN if never."""
    reached = gap_recovered >= level
    first = np.argmax(reached, axis=1)[:, None]
    before = np.maximum(first - 1, 0)
    s_up, s_low = (np.take_along_axis(share, i, axis=1)[:, 0] for i in (first, before))
    g_up, g_low = (np.take_along_axis(gap_recovered, i, axis=1)[:, 0] for i in (first, before))
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(first[:, 0] > 0, (level - g_low) / (g_up - g_low), 0.0)
    return np.where(reached.any(axis=1), s_low + fraction * (s_up - s_low), np.nan)


def _hull_candidates(perf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The running maximum along the last axis, and the points that can be on its upper hull:
    those that raise it, plus the first and the last (at the maximum)."""
    running = np.maximum.accumulate(perf, axis=-1)
    candidate = np.ones(perf.shape, dtype=bool)
    candidate[..., 1:-1] = perf[..., 1:-1] > running[..., :-2]
    return running, candidate


def _upper_hull(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the points on or below the chord of their neighbours until none is: the chain
    left is concave, so it is the upper hull (``x`` ascending)."""
    while len(x) > 2:
        cross = (x[1:-1] - x[:-2]) * (y[2:] - y[:-2]) - (y[1:-1] - y[:-2]) * (x[2:] - x[:-2])
        above = np.concatenate(([True], cross < 0, [True]))
        if above.all():
            break
        x, y = x[above], y[above]
    return x, y


def nondecreasing_hull(share: np.ndarray, perf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of the upper convex hull of (share, perf), made non-decreasing.

    The hull of the running maximum's points is the running maximum of the
    hull, so only the points that raise the running maximum (and the last
    share, at the maximum) are candidates.
    """
    running, candidate = _hull_candidates(perf)
    return _upper_hull(share[candidate], running[candidate])


def aiq(curves: Curves) -> np.ndarray:
    """AIQ of each row: the area under its non-decreasing upper hull over s in [0, 1]."""
    running, candidate = _hull_candidates(curves.perf)
    areas = np.empty(len(running))
    for i, (share, height, keep) in enumerate(zip(curves.share, running, candidate)):
        x, y = _upper_hull(share[keep], height[keep])
        areas[i] = total((x[1:] - x[:-1]) * (y[1:] + y[:-1])) / 2
    return areas


def automix_baseline(p_slm, p_llm, baseline, costs: Costs) -> np.ndarray:
    """AutoMix's baseline slope ``(P_llm - P_slm) / (llm - slm)``: the small model alone against
    the large model alone; NaN without a baseline or where llm <= slm."""
    if costs.llm <= costs.slm:
        return np.full(np.shape(p_slm), np.nan)
    gap = np.where(baseline, np.asarray(p_llm) - np.asarray(p_slm), np.nan)
    return gap / (costs.llm - costs.slm)


def automix_ibc(share, perf, p_slm, costs: Costs, charge: float) -> np.ndarray:
    """AutoMix's IBC ``(p - P_slm) / (slm + v_r + s llm - slm)`` (``charge`` = v_r); NaN where
    the extra cost is 0 (nothing routed and no verifier charged)."""
    extra = (costs.slm + charge + np.asarray(share) * costs.llm) - costs.slm
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(extra > 0, (np.asarray(perf) - p_slm) / extra, np.nan)


def automix_delta_ibc(share, perf, p_slm, p_llm, baseline, costs: Costs, charge: float) -> np.ndarray:
    """``delta_IBC_automix = 100 (IBC_automix - base) / base`` (percent), ``base`` =
    ``automix_baseline``; the arguments broadcast (per sample: ``p_slm[:, None]``)."""
    base = automix_baseline(p_slm, p_llm, baseline, costs)
    return 100 * (automix_ibc(share, perf, p_slm, costs, charge) - base) / base


def break_even_costs(share, perf, p_slm, p_llm, baseline, costs: Costs) -> np.ndarray:
    """Per point, the largest verifier cost at which its delta_IBC_automix is still >= 0:
    ``(p - P_slm) (llm - slm) / (P_llm - P_slm) - s llm``; NaN where nothing is routed,
    without a baseline and where llm <= slm."""
    if costs.llm <= costs.slm:
        return np.full(np.broadcast(share, perf, p_slm).shape, np.nan)
    gap = np.where(baseline, np.asarray(p_llm) - np.asarray(p_slm), np.nan)
    value = (np.asarray(perf) - p_slm) * (costs.llm - costs.slm) / gap - np.asarray(share) * costs.llm
    return np.where(np.asarray(share) > 0, value, np.nan)


def _best(values: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's maximum of ``values`` (NaN: not a candidate) and where it is reached: the
    smallest share within rounding (1e-9 relative) of it, since points of equal value in
    theory (e.g. the oracle routing queries of equal gain) differ in the last bits; NaN
    without a candidate."""
    best = np.fmax.reduce(values, axis=1)
    with np.errstate(invalid="ignore"):
        near = values >= best[:, None] - 1e-9 * np.maximum(1.0, np.abs(best[:, None]))
    defined = near.any(axis=1)
    return best, np.where(defined, share[np.arange(len(near)), np.argmax(near, axis=1)], np.nan)


def curve_metrics(curves: Curves, p_slm: np.ndarray, p_llm: np.ndarray, baseline: np.ndarray,
                  min_routed_share: float, costs: Costs = DEFAULT_COSTS, charge: float = 0.0
                  ) -> dict[str, np.ndarray]:
    """Every metric of ``METRICS`` for each row of ``curves`` (arrays of one value per row);
    ``costs`` and ``charge`` (the curve's verifier charge v_r) price AutoMix's metrics."""
    recovered = pgr(curves, p_slm, p_llm, baseline)
    eligible = np.where(curves.share >= min_routed_share, delta_ibc(curves.share, recovered), np.nan)
    metrics = {"AIQ": aiq(curves), "APGR": trapezoid(curves.share, recovered)}
    for level in CPT_LEVELS:
        metrics[f"CPT_{round(100 * level)}"] = cpt(curves.share, recovered, level)
    at_five = interpolate(curves.share, recovered, IBC_5_SHARES)
    metrics["delta_IBC_5"] = row_means(delta_ibc(IBC_5_SHARES, at_five))
    metrics["best_delta_IBC"], metrics["best_delta_IBC_share"] = _best(eligible, curves.share)
    routed_enough = curves.share >= min_routed_share
    automix = automix_delta_ibc(curves.share, curves.perf, p_slm[:, None], p_llm[:, None], baseline[:, None],
                                costs, charge)
    metrics["best_delta_IBC_automix"], metrics["best_delta_IBC_automix_share"] = _best(
        np.where(routed_enough, automix, np.nan), curves.share)
    break_even = break_even_costs(curves.share, curves.perf, p_slm[:, None], p_llm[:, None], baseline[:, None],
                                  costs)
    metrics["verifier_break_even_cost"] = np.fmax.reduce(np.where(routed_enough, break_even, np.nan), axis=1)
    return metrics
