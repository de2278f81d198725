"""Routers compared pair by pair on the same queries: paired bootstrap differences and verdicts.

On each dataset, each pair A, B of ``PAIRS`` (the three routers pair by pair,
then each against the random router) is compared on each metric of
``METRICS`` (APGR, AIQ, best delta_IBC_automix, best delta_IBC):

- **Random router.** It routes a random share s of the queries; its expected
  curve is the diagonal from (0, P_slm) to (1, P_llm), and it pays no
  verifier. Its metrics on a sample are those of that two-point curve,
  computed by ``routing_metrics.curve_metrics`` from the sample's own P_slm
  and P_llm (``random_router_metrics``): APGR 0.5, AIQ (P_slm + P_llm) / 2
  (P_slm where P_llm is lower), best delta_IBC 0, best delta_IBC_automix
  ``-100 slm / llm``; each undefined where the routers' own is (no baseline).
- **Difference** A - B: on the data, the difference of the two metric values;
  on bootstrap resample b, the difference of the two metrics recomputed on the
  rows resample b draws, ``default_rng([seed, 0, b]).integers(0, n, size=n)``
  (``routing_resampling``'s bootstrap, the draws of each metric's own
  interval): the same queries for both routers.
- **Interval** (95 %): the *basic* bootstrap interval of the differences
  d_b defined (``basic_interval``): ``[2 d - q_97.5, 2 d - q_2.5]``, q the
  ``np.nanpercentile`` of the d_b. Best delta_IBC, best delta_IBC_automix and
  AIQ are maxima over a router's noisy curve (its best point, its upper
  hull), so they are raised by chance, the more the more distinct scores a
  router has, and a resample's curve is raised again: the percentile interval
  carries that over, the basic interval subtracts it
  (``benchmarks/sim_router_comparison.py`` measures both; docs/routing-metrics.md).
- **Verdict**: "<A> better" where the interval lies above 0, "<B> better"
  where it lies below, "not distinguishable" where it contains 0; "undefined"
  without a difference or an interval, with the reason in ``note``. AIQ gets
  no verdict ("undefined"): its chance rise is larger than a resample
  reproduces, so no interval here keeps its false-positive rate at 5 %
  (``NO_VERDICT``).
- **Across datasets** (``ALL``): the mean of the differences over the
  datasets where it is defined; its interval is the stratified bootstrap in
  which resample b draws, in every dataset, that dataset's own resample b (the
  rows above, from the dataset's own n: the strata are the datasets, each
  resampled within itself, and the draws are the ones the per-dataset
  intervals use); resample b's mean is over the same datasets (undefined
  where one of them is); the basic interval and verdict as above, for APGR
  only (``NO_VERDICT_ACROSS``): the part of a best value's chance rise that
  a resample does not subtract adds up over the datasets while the interval
  narrows. Beside it: on how many of those datasets the verdict is "<A>
  better" and "<B> better".
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from . import routing_metrics as rm
from .routing_model import Costs
from .summation import mean, row_means

RANDOM = "random"
ALL = "all"
PAIRS = (("logits", "entropy"), ("logits", "confidence"), ("entropy", "confidence"),
         ("logits", RANDOM), ("entropy", RANDOM), ("confidence", RANDOM))
#: metric (metrics.json, metrics.csv) -> its key stem and unit suffix in numbers.json
METRICS = {"APGR": ("apgr", ""), "AIQ": ("aiq", ""), "best_delta_IBC_automix": ("best_delta_ibc_automix", "_pct"),
           "best_delta_IBC": ("best_delta_ibc", "_pct")}
PERCENTILES = [2.5, 97.5]
NOT_DISTINGUISHABLE, UNDEFINED = "not distinguishable", "undefined"
#: metric -> why it gets no verdict on a dataset
NO_VERDICT = {"AIQ": "no verdict on AIQ: a router's upper hull rises by chance, more for more distinct scores, "
                     "and more than a resample reproduces, so no interval here keeps false verdicts at 5 %"}
_BEST = ("no verdict on the mean over datasets of a best value: what chance adds to a router's best point and a "
         "resample does not subtract adds up over the datasets while the interval narrows (false verdicts above "
         "5 %); see on how many datasets each router is better")
#: metric -> why it gets no verdict across datasets (``ALL``)
NO_VERDICT_ACROSS = {**NO_VERDICT, "best_delta_IBC_automix": _BEST, "best_delta_IBC": _BEST}
COLUMNS = ["dataset", "router_a", "router_b", "metric", "difference", "ci_low", "ci_high", "verdict", "note"]


def pair_key(a: str, b: str) -> str:
    return f"{a}_vs_{b}"


def random_router_metrics(p_slm, p_llm, baseline, min_routed_share: float, costs: Costs) -> dict:
    """Every metric of the random router (the diagonal, no verifier) for each sample, from its
    P_slm, P_llm and baseline (arrays of one value per sample)."""
    p_slm, p_llm = np.asarray(p_slm, dtype=float), np.asarray(p_llm, dtype=float)
    count = len(p_slm)
    share = np.broadcast_to(np.array([0.0, 1.0]), (count, 2))
    curves = rm.Curves(share, np.stack([p_slm, p_llm], axis=1), np.ones((count, 2), dtype=bool))
    return rm.curve_metrics(curves, p_slm, p_llm, np.asarray(baseline, dtype=bool), min_routed_share, costs, 0.0)


def basic_interval(value: float, resampled: np.ndarray) -> tuple[float, float]:
    """The 95 % basic bootstrap interval ``[2 value - q_97.5, 2 value - q_2.5]`` of the resampled
    values that are defined; NaN without a value or without one defined resample."""
    defined = np.asarray(resampled, dtype=float)
    defined = defined[~np.isnan(defined)]
    if math.isnan(value) or not len(defined):
        return math.nan, math.nan
    low, high = np.percentile(defined, PERCENTILES)
    return 2 * value - high, 2 * value - low


def verdict(a: str, b: str, low: float, high: float) -> str:
    """"<a> better" where the interval lies above 0, "<b> better" below, "not distinguishable"
    where it contains 0, "undefined" without one."""
    if math.isnan(low) or math.isnan(high):
        return UNDEFINED
    return f"{a} better" if low > 0 else f"{b} better" if high < 0 else NOT_DISTINGUISHABLE


def _compared(metric: str, a: str, b: str, value: float, resampled: np.ndarray, why_undefined: str,
              withheld: Mapping[str, str] = NO_VERDICT) -> dict:
    """One comparison: the difference, its interval, the verdict and, where it is undefined, why
    (``withheld``: the metrics without a verdict, and why)."""
    low, high = basic_interval(value, resampled)
    said = verdict(a, b, low, high)
    note = ""
    if math.isnan(value):
        note = why_undefined
    elif not len(resampled):
        note = "no bootstrap resamples (routing.bootstrap.resamples is 0): no interval"
    elif math.isnan(low):
        note = "no resample of the queries gives a difference: no interval"
    elif metric in withheld:
        said, note = UNDEFINED, withheld[metric]
    return {"difference": value, "ci_low": low, "ci_high": high, "verdict": said, "note": note,
            "resampled": np.asarray(resampled, dtype=float)}


def _values(metrics: Mapping, resampled: Mapping, router: str, min_routed_share: float, costs: Costs):
    """A router's metric values on the data and per resample: {metric: (value, array)}; None if
    the results have no such router."""
    if router == RANDOM:
        data = random_router_metrics([metrics["P_slm"]["value"]], [metrics["P_llm"]["value"]],
                                     [metrics["has_baseline"]], min_routed_share, costs)
        boot = random_router_metrics(resampled["P_slm"], resampled["P_llm"], resampled["has_baseline"],
                                     min_routed_share, costs)
        return {metric: (float(data[metric][0]), boot[metric]) for metric in METRICS}
    if router not in metrics["routers"] or router not in resampled["curves"]:
        return None
    return {metric: (_float(metrics["routers"][router]["metrics"][metric]["value"]),
                     np.asarray(resampled["curves"][router][metric], dtype=float)) for metric in METRICS}


def _float(value) -> float:
    return math.nan if value is None else float(value)


def dataset_comparison(metrics: Mapping, resampled: Mapping, costs: Costs) -> dict:
    """Every pair's comparison on one dataset: {pair key: {metric: comparison}}.

    ``metrics`` is the dataset's ``routing_resampling.dataset_metrics`` (plain or
    through ``to_jsonable``), ``resampled`` its ``bootstrap_metrics`` (the
    per-resample arrays the intervals are made of), ``costs`` the cost model.
    """
    min_routed_share = metrics["min_routed_share"]
    values = {router: _values(metrics, resampled, router, min_routed_share, costs)
              for router in dict.fromkeys(name for pair in PAIRS for name in pair)}
    why_no_baseline = ("no baseline: " + metrics["why"]) if metrics.get("why") else ""
    result = {}
    for a, b in PAIRS:
        entry = {}
        for metric in METRICS:
            missing = [router for router in (a, b) if values[router] is None]
            if missing:
                entry[metric] = _compared(metric, a, b, math.nan, np.zeros(0), f"no {missing[0]} router in the data")
                continue
            (value_a, boot_a), (value_b, boot_b) = values[a][metric], values[b][metric]
            why = (why_no_baseline if metric != "AIQ" and why_no_baseline else
                   f"{metric} undefined for {a if math.isnan(value_a) else b}")
            if metric == "best_delta_IBC_automix" and metrics.get("automix_why") and not why_no_baseline:
                why = "no AutoMix baseline: " + metrics["automix_why"]
            entry[metric] = _compared(metric, a, b, value_a - value_b, boot_a - boot_b, why)
        result[pair_key(a, b)] = entry
    return result


def across_datasets(by_dataset: Mapping[str, Mapping]) -> dict:
    """Per pair and metric the mean difference over the datasets where it is defined, with its
    stratified bootstrap interval and verdict: {pair key: {metric: comparison}}.

    ``by_dataset`` maps a dataset to its ``dataset_comparison`` (plain or through
    ``to_jsonable``); every dataset has the same resamples (one config)."""
    result = {}
    for a, b in PAIRS:
        entry = {}
        for metric in METRICS:
            found = [by_dataset[d][pair_key(a, b)][metric] for d in by_dataset]
            defined = [c for c in found if not _missing(c["difference"])]
            if not defined:
                reason = "no dataset has a defined difference" if found else "no routing dataset"
                entry[metric] = _compared(metric, a, b, math.nan, np.zeros(0), reason, NO_VERDICT_ACROSS)
                continue
            value = mean([c["difference"] for c in defined])
            boot = np.array([[math.nan if v is None else v for v in c["resampled"]] for c in defined], dtype=float)
            entry[metric] = _compared(metric, a, b, value, row_means(boot.T) if boot.shape[1] else np.zeros(0), "",
                                      NO_VERDICT_ACROSS)
        result[pair_key(a, b)] = entry
    return result


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def comparison_frame(by_dataset: Mapping[str, Mapping], combined: Mapping) -> pd.DataFrame:
    """comparison.csv: a row per dataset (then ``all``), pair and metric (``COLUMNS``)."""
    rows = []
    for dataset, pairs in [*by_dataset.items(), (ALL, combined)]:
        for a, b in PAIRS:
            for metric in METRICS:
                c = pairs[pair_key(a, b)][metric]
                rows.append((dataset, a, b, metric, *(_float(c[k]) for k in ("difference", "ci_low", "ci_high")),
                             c["verdict"], c["note"]))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"difference": float, "ci_low": float, "ci_high": float})


def comparison_numbers(frame: pd.DataFrame) -> dict:
    """numbers.json's ``routing_comparison`` from comparison.csv's table: per dataset and
    ``all``, per pair, each metric's difference and interval in the unit of its own key; under
    ``all`` also, per metric, on how many datasets the verdict is "<a> better"
    (``_better_count``) and "<b> better" (``_worse_count``; null for a metric without verdicts)
    and on how many the APGR difference is defined (``datasets_count``)."""
    numbers: dict = {}
    datasets = frame[frame["dataset"] != ALL]
    for row in frame.itertuples(index=False):
        stem, unit = METRICS[row.metric]
        entry = numbers.setdefault(row.dataset, {}).setdefault(pair_key(row.router_a, row.router_b), {})
        entry |= {f"{stem}_difference{unit}": _number(row.difference),
                  f"{stem}_difference_ci_low{unit}": _number(row.ci_low),
                  f"{stem}_difference_ci_high{unit}": _number(row.ci_high)}
        if row.dataset == ALL:
            same = datasets[(datasets["router_a"] == row.router_a) & (datasets["router_b"] == row.router_b)
                            & (datasets["metric"] == row.metric)]
            verdicts = same["verdict"].tolist()
            counted = row.metric not in NO_VERDICT
            entry |= {f"{stem}_better_count": verdicts.count(f"{row.router_a} better") if counted else None,
                      f"{stem}_worse_count": verdicts.count(f"{row.router_b} better") if counted else None}
            if row.metric == "APGR":
                entry["datasets_count"] = int(same["difference"].notna().sum())
    return numbers


def statement_verdicts(section: Mapping) -> dict:
    """numbers.json's ``statements.router_comparison`` from its ``routing_comparison`` section:
    {dataset or all: {pair: {metric: verdict}}}, each verdict from the interval as ``verdict``
    says ("undefined" for a metric without verdicts: ``NO_VERDICT``, across datasets
    ``NO_VERDICT_ACROSS``)."""
    tree = {}
    for dataset, pairs in section.items():
        for key, entry in pairs.items():
            a, b = key.split("_vs_", 1)
            for metric, (stem, unit) in METRICS.items():
                low, high = (entry.get(f"{stem}_difference_ci_{end}{unit}") for end in ("low", "high"))
                withheld = NO_VERDICT_ACROSS if dataset == ALL else NO_VERDICT
                said = UNDEFINED if metric in withheld else verdict(a, b, _float(low), _float(high))
                tree.setdefault(dataset, {}).setdefault(key, {})[stem] = said
    return tree


def _number(value) -> float | None:
    return None if _missing(value) else float(value)


def without_resamples(comparison: Mapping) -> dict:
    """A comparison (``dataset_comparison`` or ``across_datasets``) without its per-resample
    differences: what is published."""
    return {pair: {metric: {k: v for k, v in c.items() if k != "resampled"} for metric, c in metrics.items()}
            for pair, metrics in comparison.items()}
