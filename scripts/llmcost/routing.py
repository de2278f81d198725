"""Routing between a small and a large LLM: threshold sweeps, exact curves and IBC.

(Reading a dataset: ``routing_data``; curve metrics: ``routing_metrics``;
bootstrap and held-out choice: ``routing_resampling``; tables: ``routing_tables``.)

Reproduces the reference notebook ("AutoMix Threshold Router on Log Probability
and Entropy"): a router keeps the small model's (SLM's) answer when its score
passes a threshold and otherwise routes the query to the large model (LLM).

- log-probability router: keep where ``avg_logp >= t``;
- entropy router: keep where ``avg_entropy_nats <= t``;
- self-verification router: keep where ``slm_confidence >= t``.

Keeping costs ``slm + verifier``, routing ``slm + verifier + llm``. The
incremental benefit per cost of a router point is
``IBC = (avg_perf - P_slm) / (avg_cost - cost_keep)``, compared with always
routing, ``IBC_base = (P_llm - P_slm) / (cost_route - cost_keep)``, as
``delta_IBC = 100 (IBC - IBC_base) / IBC_base`` (percent). Both denominators
are computed as what routing adds, ``lm2_ratio * llm`` and ``llm``, so that the
verifier's cost, paid either way, cancels exactly (``routing_extra_cost``). IBC
is undefined (NaN, written as null) where nothing is routed. Beside them each point has
AutoMix's ``IBC_automix`` and ``delta_IBC_automix``, which charge the router's
verifier (``routing_model``, ``routing_metrics.automix_delta_ibc``).

Every threshold is evaluated at once: the rows are sorted in the order in which
a loosening threshold keeps them, so the kept rows of any threshold are a
prefix and their performance a cumulative sum.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from .outputs import to_jsonable
from .routing_metrics import KeepOrder, automix_baseline, automix_ibc, keep_order
from .routing_model import (ROUTERS, VERIFIER_ROUTERS, Costs, cost_model, no_automix_baseline_reason,  # noqa: F401
                            no_baseline_reason, threshold_key, verifier_charge)
from .summation import row_means, row_totals

log = logging.getLogger("llmcost")

ROUTER_LABELS = {"logits": "Log-probability", "entropy": "Entropy", "confidence": "Self-verification"}
#: a sweep record's fields: the notebook's, in its order, then AutoMix's IBC
NOTEBOOK_COLUMNS = ["total", "lm1_count", "lm2_count", "lm1_ratio", "lm2_ratio", "avg_perf",
                    "avg_perf_slm", "avg_perf_llm", "avg_cost", "total_cost", "IBC", "delta_IBC"]
SWEEP_COLUMNS = NOTEBOOK_COLUMNS + ["IBC_automix", "delta_IBC_automix"]
CURVE_COLUMNS = ["router", "threshold", "lm2_ratio", "avg_cost", "avg_perf"]


# --- Cost model and IBC ----------------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    """The two single-model points every router is compared with.

    ``no_baseline`` says why IBC_base is undefined (the large model is not
    better: ``routing_model.no_baseline_reason``); it is None when it is defined.
    """

    p_slm: float
    p_llm: float
    costs: Costs
    no_baseline: str | None = None

    @property
    def ibc_base(self) -> float:
        if self.no_baseline:
            return math.nan
        return (self.p_llm - self.p_slm) / routing_extra_cost(1.0, self.costs)

    @property
    def no_automix_baseline(self) -> str | None:
        """Why AutoMix's baseline is undefined: no baseline, or llm <= slm; None when defined."""
        return self.no_baseline or no_automix_baseline_reason(self.costs)

    @property
    def ibc_base_automix(self) -> float:
        """AutoMix's baseline slope ``(P_llm - P_slm) / (llm - slm)``."""
        return float(automix_baseline(self.p_slm, self.p_llm, not self.no_baseline, self.costs))


def baseline(frame: pd.DataFrame, costs: Costs) -> Baseline:
    p_slm, p_llm = map(float, row_means(frame[["perf_slm", "perf_llm"]].to_numpy(dtype=float).T))
    scale = float(np.abs(frame[["perf_slm", "perf_llm"]].to_numpy()).max())
    return Baseline(p_slm, p_llm, costs, no_baseline_reason(p_slm, p_llm, len(frame), scale))


def routing_extra_cost(lm2_ratio, costs: Costs):
    """What routing a share ``lm2_ratio`` of the queries adds per query to keeping every answer:
    ``avg_cost - cost_keep``, which is ``lm2_ratio * llm`` exactly (the small model and the
    verifier are paid on every query either way). Computed so, the verifier's cost cancels
    exactly, not up to rounding: the notebook's IBC and delta_IBC have the same bits whatever it is."""
    return np.asarray(lm2_ratio, dtype=float) * costs.llm


def ibc(avg_perf, lm2_ratio, base: Baseline) -> tuple[np.ndarray, np.ndarray]:
    """IBC and delta_IBC (percent) of operating points routing a share ``lm2_ratio``; NaN where
    nothing is routed, and delta_IBC NaN throughout when the dataset has no baseline."""
    routed = np.asarray(lm2_ratio) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (np.asarray(avg_perf) - base.p_slm) / routing_extra_cost(lm2_ratio, base.costs)
        value = np.where(routed, value, np.nan)
        delta = (value - base.ibc_base) / base.ibc_base * 100
    return value, delta


def ibc_automix(avg_perf, lm2_ratio, base: Baseline, charge: float) -> tuple[np.ndarray, np.ndarray]:
    """AutoMix's IBC and delta_IBC (percent) of operating points, the router paying ``charge``
    per query for its verifier (``routing_metrics.automix_ibc``); NaN where the extra cost is 0,
    and delta NaN throughout without AutoMix's baseline."""
    value = automix_ibc(lm2_ratio, avg_perf, base.p_slm, base.costs, charge)
    return value, 100 * (value - base.ibc_base_automix) / base.ibc_base_automix


# --- Thresholds, sweeps and exact curves -----------------------------------------------------

def thresholds(score: np.ndarray, count: int, spacing: str = "linear") -> np.ndarray:
    """``count`` thresholds strictly inside the score's range, even in value or in rank."""
    interior = np.linspace(0.0, 1.0, count + 2)[1:-1]
    if spacing == "linear":
        return np.linspace(score.min(), score.max(), count + 2)[1:-1]
    if spacing == "quantile":
        return np.quantile(score, interior)
    raise ValueError(f"unknown threshold spacing {spacing!r}")


def distinct_cuts(score: np.ndarray, keep_when: str) -> np.ndarray:
    """One threshold per distinct cut that a threshold strictly inside the score's range can
    make (ascending): every distinct score but the one that keeps every query, so at most
    n - 1 for n queries (the one score of a constant column)."""
    values = np.unique(score)
    if len(values) == 1:
        return values
    return values[1:] if keep_when == ">=" else values[:-1]


def sweep_thresholds(score: np.ndarray, keep_when: str, count: int, spacing: str) -> np.ndarray:
    """``thresholds``, or the ``distinct_cuts`` when ``count`` exceeds them: more thresholds
    could only repeat cuts, so the sweep's size (and time and memory) stays bounded by n."""
    cuts = distinct_cuts(score, keep_when)
    return cuts if count > len(cuts) else thresholds(score, count, spacing)


def _keep_order(frame: pd.DataFrame, router: str) -> KeepOrder:
    column, keep_when = ROUTERS[router]
    return keep_order(frame[column].to_numpy(dtype=float), keep_when)


def keep_orders(frame: pd.DataFrame) -> dict[str, KeepOrder]:
    """Every router's sort of the rows, to share between its sweep and its exact curve."""
    return {router: _keep_order(frame, router) for router in ROUTERS}


def _points(order: KeepOrder, kept: np.ndarray, frame: pd.DataFrame, base: Baseline, charge: float = 0.0) -> dict:
    """Operating-point statistics of keeping the first ``kept`` rows of the keep order (an
    array of counts), as the notebook names them, then AutoMix's IBC with the router's
    verifier ``charge``."""
    total = len(frame)
    lm2_count = total - kept
    total_cost = kept * base.costs.keep + lm2_count * base.costs.route
    # gain[k]: what keeping the first k rows adds to always routing, sum of perf_slm - perf_llm
    gain = np.concatenate(([0.0], np.cumsum((frame["perf_slm"].to_numpy() - frame["perf_llm"].to_numpy())[order.rows])))
    avg_perf = (row_totals(frame["perf_llm"].to_numpy(dtype=float)) + gain[kept]) / total
    avg_cost = total_cost / total
    value, delta = ibc(avg_perf, lm2_count / total, base)
    automix_value, automix_delta = ibc_automix(avg_perf, lm2_count / total, base, charge)
    return {"total": np.full(len(kept), total), "lm1_count": kept, "lm2_count": lm2_count,
            "lm1_ratio": kept / total, "lm2_ratio": lm2_count / total, "avg_perf": avg_perf,
            "avg_perf_slm": np.full(len(kept), base.p_slm), "avg_perf_llm": np.full(len(kept), base.p_llm),
            "avg_cost": avg_cost, "total_cost": total_cost.astype(float), "IBC": value, "delta_IBC": delta,
            "IBC_automix": automix_value, "delta_IBC_automix": automix_delta}


def threshold_keys(router: str) -> list[str]:
    """The threshold field(s) of a sweep record, as in the notebook's JSON files."""
    return ["threshold"] if router == "confidence" else ["logits_threshold", "entropy_threshold"]


def sweep(frame: pd.DataFrame, router: str, values, costs: Costs, order: KeepOrder | None = None,
          verifier_routers=VERIFIER_ROUTERS) -> pd.DataFrame:
    """One row per threshold in ``values``, with the notebook's fields in its order, then
    AutoMix's IBC (the router paying the verifier if it is among ``verifier_routers``)."""
    values = np.asarray(values, dtype=float)
    order = order or _keep_order(frame, router)
    stats = _points(order, order.kept(values), frame, baseline(frame, costs),
                    verifier_charge(router, costs, verifier_routers))
    keys = threshold_keys(router)
    columns = {key: values if key == threshold_key(router) else np.full(len(values), np.nan)
               for key in keys}
    return pd.DataFrame({**columns, **stats})[keys + SWEEP_COLUMNS]


def sweeps(frame: pd.DataFrame, costs: Costs, count: int, spacing: str, confidence_thresholds,
           orders: Mapping[str, KeepOrder] | None = None, dataset: str = "data",
           verifier_routers=VERIFIER_ROUTERS) -> dict[str, pd.DataFrame]:
    """The three routers' threshold sweeps, keyed by router (``sweep_thresholds``; a warning
    names the ``dataset`` and router whose sweep is capped at its distinct cuts)."""
    orders = orders or keep_orders(frame)
    values = {}
    for router in ("logits", "entropy"):
        column, keep_when = ROUTERS[router]
        values[router] = sweep_thresholds(frame[column].to_numpy(dtype=float), keep_when, count, spacing)
        if len(values[router]) < count:
            cuts = len(values[router])
            log.warning("%s: routing.thresholds.count is %d, but the %s router's scores make only %d distinct "
                        "cut%s: its sweep has one threshold per cut.", dataset, count, router, cuts,
                        "" if cuts == 1 else "s")
    values["confidence"] = confidence_thresholds
    return {router: sweep(frame, router, values[router], costs, orders[router], verifier_routers)
            for router in ROUTERS}


def records(frame: pd.DataFrame) -> list[dict]:
    """A sweep as JSON-ready records (NaN -> None)."""
    return to_jsonable(frame.to_dict(orient="records"))


def exact_curve(frame: pd.DataFrame, router: str, costs: Costs, order: KeepOrder | None = None
                ) -> pd.DataFrame:
    """Every distinct operating point of one router, from nothing routed to everything routed.

    A row's threshold reproduces it exactly: each distinct score value, plus the
    next float beyond the score's range (everything routed).
    """
    order = order or _keep_order(frame, router)
    kept = np.concatenate(([0], order.group_start[1:], [len(order.key)]))  # nothing, then each tie group
    stats = _points(order, kept, frame, baseline(frame, costs))
    curve = pd.DataFrame({"router": router, "threshold": order.thresholds, "lm2_ratio": stats["lm2_ratio"],
                          "avg_cost": stats["avg_cost"], "avg_perf": stats["avg_perf"]})
    return curve.iloc[::-1].reset_index(drop=True)[CURVE_COLUMNS]


def exact_curves(frame: pd.DataFrame, costs: Costs, orders: Mapping[str, KeepOrder] | None = None
                 ) -> pd.DataFrame:
    orders = orders or keep_orders(frame)
    return pd.concat([exact_curve(frame, router, costs, orders[router]) for router in ROUTERS],
                     ignore_index=True)


# --- Baselines and summaries -----------------------------------------------------------------

def oracle(frame: pd.DataFrame, costs: Costs) -> dict:
    """Route exactly the queries the large model answers better."""
    base = baseline(frame, costs)
    routed = (frame["perf_llm"] > frame["perf_slm"]).to_numpy()
    lm2_count = int(routed.sum())
    avg_perf = float(row_means(np.where(routed, frame["perf_llm"], frame["perf_slm"])))
    avg_cost = (lm2_count * costs.route + (len(frame) - lm2_count) * costs.keep) / len(frame)
    value, delta = ibc(avg_perf, lm2_count / len(frame), base)
    automix_value, automix_delta = ibc_automix(avg_perf, lm2_count / len(frame), base, 0.0)  # pays no verifier
    return {"lm2_ratio": lm2_count / len(frame), "avg_perf": avg_perf, "avg_cost": avg_cost,
            "IBC": float(value), "delta_IBC": float(delta), "IBC_automix": float(automix_value),
            "delta_IBC_automix": float(automix_delta)}


def best_point(sweep_frame: pd.DataFrame, router: str, min_routed_share: float, column: str = "delta_IBC") -> dict:
    """The best ``column`` (delta_IBC, or delta_IBC_automix) among points routing at least
    ``min_routed_share``, and the points below that share with a higher value (unstable:
    excluded from best)."""
    points = sweep_frame.rename(columns={threshold_key(router): "threshold"})[["threshold", "lm2_ratio", column]]
    points = points[points[column].notna()]
    eligible = points[points["lm2_ratio"] >= min_routed_share]
    best = eligible.loc[eligible[column].idxmax()] if len(eligible) else None
    below = points[points["lm2_ratio"] < min_routed_share]
    if best is not None:
        below = below[below[column] > best[column]]
    return {"best": None if best is None else to_jsonable(best.to_dict()),
            "unstable": records(below)}


def _router_summary(router: str, swept: pd.DataFrame, costs: Costs, min_routed_share: float,
                    verifier_routers) -> dict:
    best = best_point(swept, router, min_routed_share)
    automix = best_point(swept, router, min_routed_share, "delta_IBC_automix")
    return {"score": ROUTERS[router][0], "keep_when": ROUTERS[router][1], **best,
            "verifier_charge": verifier_charge(router, costs, verifier_routers),
            "best_automix": automix["best"], "unstable_automix": automix["unstable"]}


def dataset_summary(dataset: str, frame: pd.DataFrame, merge: dict, costs: Costs,
                    sweep_frames: Mapping[str, pd.DataFrame], min_routed_share: float,
                    verifier_routers=VERIFIER_ROUTERS) -> dict:
    """The numbers of one dataset that the table and figures report; per router its best swept
    point by the notebook's delta_IBC and by AutoMix's (``best_automix``)."""
    base = baseline(frame, costs)
    return to_jsonable({
        "dataset": dataset,
        "merge": merge,
        "costs": {"slm": costs.slm, "llm": costs.llm, "verifier": costs.verifier,
                  "keep": costs.keep, "route": costs.route},
        "P_slm": base.p_slm,
        "P_llm": base.p_llm,
        "IBC_base": base.ibc_base,
        "no_baseline": base.no_baseline,
        "IBC_base_automix": base.ibc_base_automix,
        "no_automix_baseline": base.no_automix_baseline,
        "verifier_routers": [router for router in ROUTERS if router in verifier_routers],
        "oracle": oracle(frame, costs),
        "min_routed_share": min_routed_share,
        "routers": {router: _router_summary(router, sweep_frames[router], costs, min_routed_share, verifier_routers)
                    for router in ROUTERS},
    })


def combine_summaries(summaries) -> dict:
    """Per-dataset summaries keyed by dataset, sorted."""
    return {s["dataset"]: s for s in sorted(summaries, key=lambda s: s["dataset"])}
