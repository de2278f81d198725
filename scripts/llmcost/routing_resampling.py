"""Held-out threshold choice and bootstrap intervals of the routing curve metrics.

- **Held-out delta_IBC.** Split i permutes the rows with
  ``np.random.default_rng([seed, 1, i]).permutation(n)``; the first
  ``int(n * calibration_fraction)`` calibrate. On them the router's curve
  point with the highest delta_IBC among s >= ``min_routed_share`` is chosen
  (ties: the smallest s), with the calibration rows' own P_slm and P_llm. Its
  threshold, applied with the router's keep rule to the other rows (all routed
  if the point routes everything), gives delta_IBC there with those rows' own
  P_slm and P_llm (NaN when nothing is routed or that half has no baseline).
  Reported: mean, standard deviation (ddof=1) and number of defined values over
  the splits. **Held-out delta_IBC_automix** is the same with AutoMix's
  delta_IBC in both places (``routing_metrics.automix_delta_ibc``: the router
  pays its verifier charge; on test rows where nothing is routed it is -100 %
  if the router pays a verifier, else NaN). The oracle knows each query's
  performance, so held-out choice does not apply to it.
- **Bootstrap.** Resample b draws the rows
  ``np.random.default_rng([seed, 0, b]).integers(0, n, size=n)``, the same for
  every router and the oracle. On each resample P_slm, P_llm and every metric
  of ``routing_metrics.METRICS`` are recomputed; the 95 % interval is
  ``np.nanpercentile(values, [2.5, 97.5])``. So is PGR on a grid of routed
  shares, for the figure's band.

A sample is the array of the rows it draws (the data: every row once), so
the curves come from the keep orders sorted once (``routing_metrics``);
resamples are processed in chunks of about ``CHUNK_CELLS`` drawn rows, which
bounds memory.
"""

from __future__ import annotations

import warnings
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from . import routing_metrics as rm
from .routing_model import (DEFAULT_COSTS, ROUTERS, VERIFIER_ROUTERS, Costs, no_automix_baseline_reason,
                            no_baseline_reason, verifier_charge)
from .summation import mean, row_means, row_totals, std

HOLDOUT = {"splits": 10, "calibration_fraction": 0.5, "seed": 0}
BOOTSTRAP = {"resamples": 1000, "seed": 0}
PGR_GRID = np.linspace(0.0, 1.0, 101)
CHUNK_CELLS = 1 << 20
ORACLE_HELD_OUT_NOTE = ("The oracle knows each query's performance, so there is no threshold to "
                        "choose on calibration rows: held-out choice does not apply.")


class _Queries:
    """One dataset's arrays and its routers' keep orders, sorted once."""

    def __init__(self, frame: pd.DataFrame):
        self.perf_slm, self.perf_llm = rm.performance(frame)
        self.scale = rm.performance_scale(self.perf_slm, self.perf_llm)
        self.scores = {router: frame[column].to_numpy(dtype=float) for router, (column, _) in ROUTERS.items()}
        self.orders = {router: rm.keep_order(self.scores[router], keep_when)
                       for router, (_, keep_when) in ROUTERS.items()}
        self.oracle_order = rm.oracle_order(self.perf_slm, self.perf_llm)

    def totals(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sums of perf_slm and of perf_llm over each sample's drawn rows (``row_totals``)."""
        return row_totals(self.perf_slm[samples]), row_totals(self.perf_llm[samples])

    def baseline(self, samples: np.ndarray, totals=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P_slm, P_llm and whether there is a baseline, per sample (row of drawn row indices)."""
        slm_total, llm_total = self.totals(samples) if totals is None else totals
        p_slm, p_llm = slm_total / samples.shape[1], llm_total / samples.shape[1]
        scale = self.scale[samples].max(axis=1, initial=0.0)
        return p_slm, p_llm, rm.has_baseline(p_slm, p_llm, samples.shape[1], scale)

    def curves(self, samples: np.ndarray, totals=None) -> dict[str, rm.Curves]:
        slm_total, llm_total = self.totals(samples) if totals is None else totals
        curves = {router: rm.router_curves(order, samples, self.perf_slm, self.perf_llm, llm_total)
                  for router, order in self.orders.items()}
        curves["oracle"] = rm.oracle_curves(self.oracle_order, samples, self.perf_slm, self.perf_llm, slm_total)
        return curves


def verifier_charges(costs: Costs, verifier_routers=VERIFIER_ROUTERS) -> dict[str, float]:
    """Each router's verifier charge v_r, and the oracle's (0)."""
    return {**{router: verifier_charge(router, costs, verifier_routers) for router in ROUTERS}, "oracle": 0.0}


def sample_metrics(queries: _Queries, samples: np.ndarray, min_routed_share: float, costs: Costs = DEFAULT_COSTS,
                   charges: Mapping[str, float] | None = None) -> dict:
    """For each sample (row of drawn row indices): P_slm, P_llm, baseline and, per router and
    oracle, every metric and PGR on ``PGR_GRID``; ``charges``: each one's verifier charge
    (default ``verifier_charges(costs)``)."""
    charges = verifier_charges(costs) if charges is None else charges
    totals = queries.totals(samples)  # each sample's two sums, once for the baseline and every curve
    p_slm, p_llm, baseline = queries.baseline(samples, totals)
    result = {"P_slm": p_slm, "P_llm": p_llm, "has_baseline": baseline, "curves": {}}
    for name, curves in queries.curves(samples, totals).items():
        metrics = rm.curve_metrics(curves, p_slm, p_llm, baseline, min_routed_share, costs, charges[name])
        grid = rm.interpolate(curves.share, rm.pgr(curves, p_slm, p_llm, baseline), PGR_GRID)
        result["curves"][name] = {**metrics, "pgr_grid": grid}
    return result


def resample_rows(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The rows each bootstrap resample b draws, in chunks (one row of the chunk per resample)."""
    chunk = max(1, CHUNK_CELLS // n)
    for first in range(0, resamples, chunk):
        yield np.array([np.random.default_rng([seed, 0, b]).integers(0, n, size=n)
                        for b in range(first, min(first + chunk, resamples))]).reshape(-1, n)


def bootstrap_metrics(frame: pd.DataFrame, min_routed_share: float, resamples: int, seed: int,
                      costs: Costs = DEFAULT_COSTS, verifier_routers=VERIFIER_ROUTERS) -> dict:
    """``sample_metrics`` of every resample, concatenated: each array has one value per resample."""
    return _bootstrap(_Queries(frame), min_routed_share, resamples, seed, costs,
                      verifier_charges(costs, verifier_routers))


def _bootstrap(queries: _Queries, min_routed_share: float, resamples: int, seed: int, costs: Costs,
               charges: Mapping[str, float]) -> dict:
    n = len(queries.perf_slm)
    chunks = [sample_metrics(queries, rows, min_routed_share, costs, charges)
              for rows in resample_rows(n, resamples, seed)]
    if not chunks:  # no resamples: every array empty
        chunks = [sample_metrics(queries, np.zeros((0, n), dtype=np.int64), min_routed_share, costs, charges)]
    return _concatenate(chunks)


def _concatenate(chunks: list):
    if isinstance(chunks[0], dict):
        return {key: _concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}
    return np.concatenate(chunks)


def held_out(frame: pd.DataFrame, router: str, min_routed_share: float, splits: int,
             calibration_fraction: float, seed: int, automix: tuple[Costs, float] | None = None) -> dict:
    """Held-out delta_IBC of one router over ``splits`` random calibration/test splits;
    ``automix`` = (costs, the router's verifier charge): AutoMix's delta_IBC instead."""
    return _held_out(_Queries(frame), router, min_routed_share, splits, calibration_fraction, seed, automix)


def _held_out(queries: _Queries, router: str, min_routed_share: float, splits: int,
              calibration_fraction: float, seed: int, automix: tuple[Costs, float] | None = None) -> dict:
    n = len(queries.perf_slm)
    calibrating = int(n * calibration_fraction)
    if calibrating == 0 or calibrating == n:  # no split has both parts: nothing to choose or score
        return {"mean": np.nan, "std": np.nan, "n_defined": 0, "splits": splits,
                "values": np.full(splits, np.nan), "note": too_few_to_split(n, calibration_fraction)}
    values = []
    for split in range(splits):
        permutation = np.random.default_rng([seed, 1, split]).permutation(n)
        calibration, test = np.split(permutation, [int(n * calibration_fraction)])
        values.append(_held_out_split(queries, router, calibration, test, min_routed_share, automix)["delta_IBC"])
    values = np.array(values)
    defined = values[~np.isnan(values)]
    return {"mean": mean(defined), "std": std(defined, ddof=1),
            "n_defined": len(defined), "splits": splits, "values": values}


def too_few_to_split(n: int, calibration_fraction: float) -> str:
    calibrating = int(n * calibration_fraction)
    return (f"{n} quer{'y gives' if n == 1 else 'ies give'} {calibrating} calibration and "
            f"{n - calibrating} test queries "
            f"(calibration_fraction {calibration_fraction:g}): too few for a held-out choice.")


def held_out_split(frame: pd.DataFrame, router: str, calibration: np.ndarray, test: np.ndarray,
                   min_routed_share: float, automix: tuple[Costs, float] | None = None) -> dict:
    """One split: the threshold chosen on the ``calibration`` rows, whether it routes
    everything, and the delta_IBC it gives on the ``test`` rows (NaN if none); ``automix`` =
    (costs, verifier charge): chosen and scored by AutoMix's delta_IBC."""
    return _held_out_split(_Queries(frame), router, calibration, test, min_routed_share, automix)


def _held_out_split(queries: _Queries, router: str, calibration: np.ndarray, test: np.ndarray,
                    min_routed_share: float, automix: tuple[Costs, float] | None = None) -> dict:
    order = queries.orders[router]
    p_slm, p_llm, baseline = queries.baseline(calibration[None])
    curves = rm.router_curves(order, calibration[None], queries.perf_slm, queries.perf_llm)
    if automix is None:
        delta = rm.delta_ibc(curves.share, rm.pgr(curves, p_slm, p_llm, baseline))[0]
    else:
        delta = rm.automix_delta_ibc(curves.share, curves.perf, p_slm[:, None], p_llm[:, None], baseline[:, None],
                                     *automix)[0]
    delta[~curves.point[0] | (curves.share[0] < min_routed_share)] = np.nan
    if np.isnan(delta).all():
        return {"threshold": np.nan, "routes_everything": False, "delta_IBC": np.nan}
    chosen = int(np.nanargmax(delta))  # the first maximum: the smallest share
    threshold = order.thresholds[::-1][chosen]  # the curve's columns run by routed share ascending
    routes_everything = bool(curves.share[0, chosen] == 1)
    kept = (np.zeros(len(test), dtype=bool) if routes_everything
            else order.keeps(queries.scores[router][test], threshold))
    return {"threshold": threshold, "routes_everything": routes_everything,
            "delta_IBC": _delta_ibc_on(queries, test, kept, automix)}


def _delta_ibc_on(queries: _Queries, rows: np.ndarray, kept: np.ndarray,
                  automix: tuple[Costs, float] | None = None) -> float:
    """delta_IBC (or AutoMix's, ``automix`` = (costs, charge)) of keeping ``kept`` among ``rows``,
    with those rows' own P_slm and P_llm."""
    perf_slm, perf_llm = queries.perf_slm[rows], queries.perf_llm[rows]
    p_slm, p_llm, p_routed = row_means(np.stack((perf_slm, perf_llm, np.where(kept, perf_slm, perf_llm))))
    if not rm.has_baseline(p_slm, p_llm, len(rows), queries.scale[rows].max()):
        return np.nan
    share = (~kept).sum() / len(kept)
    if automix is not None:
        return float(rm.automix_delta_ibc(share, p_routed, p_slm, p_llm, True, *automix))
    if kept.all():
        return np.nan
    recovered = (p_routed - p_slm) / (p_llm - p_slm)
    return float(rm.delta_ibc(share, recovered))


def _interval(values: np.ndarray, axis=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: no interval
        return np.nanpercentile(values, [2.5, 97.5], axis=axis)


def _estimate(value, resampled) -> dict:
    low, high = _interval(resampled) if len(resampled) else (np.nan, np.nan)
    return {"value": value, "ci_low": low, "ci_high": high}


def dataset_metrics(frame: pd.DataFrame, min_routed_share: float, holdout: Mapping = HOLDOUT,
                    bootstrap: Mapping = BOOTSTRAP, costs: Costs = DEFAULT_COSTS,
                    verifier_routers=VERIFIER_ROUTERS, resampled: Mapping | None = None) -> dict:
    """Every routing curve metric of one dataset, with bootstrap intervals and held-out choice.

    ``frame`` is what ``routing.load_dataset`` returns. The result (JSON-ready
    through ``outputs.to_jsonable``) holds ``P_slm`` and ``P_llm``, whether the
    data has a baseline (and ``why`` not), whether it has AutoMix's (and
    ``automix_why`` not), and per router and the oracle its verifier charge,
    each metric's value and interval, the held-out statistics (by the
    notebook's delta_IBC and by AutoMix's) and the PGR band. ``resampled``: the
    ``bootstrap_metrics`` of the same arguments, where the caller has it already.
    """
    holdout, bootstrap = {**HOLDOUT, **holdout}, {**BOOTSTRAP, **bootstrap}
    queries = _Queries(frame)
    n = len(frame)
    charges = verifier_charges(costs, verifier_routers)
    sample = sample_metrics(queries, np.arange(n)[None], min_routed_share, costs, charges)
    if resampled is None:
        resampled = _bootstrap(queries, min_routed_share, bootstrap["resamples"], bootstrap["seed"], costs, charges)
    result = {"rows": n, "min_routed_share": min_routed_share, "holdout": holdout, "bootstrap": bootstrap,
              "P_slm": _estimate(sample["P_slm"][0], resampled["P_slm"]),
              "P_llm": _estimate(sample["P_llm"][0], resampled["P_llm"]),
              "has_baseline": bool(sample["has_baseline"][0])}
    if not result["has_baseline"]:
        result["why"] = no_baseline_reason(sample["P_slm"][0], sample["P_llm"][0], n, queries.scale.max())
    automix_why = result.get("why") or no_automix_baseline_reason(costs)
    result["costs"] = {"slm": costs.slm, "llm": costs.llm, "verifier": costs.verifier}
    result["verifier_routers"] = [router for router in ROUTERS if router in verifier_routers]
    result["has_automix_baseline"] = automix_why is None
    if automix_why:
        result["automix_why"] = automix_why
    result["resamples_without_baseline"] = int((~resampled["has_baseline"].astype(bool)).sum())
    result["routers"] = {}
    for name, metrics in sample["curves"].items():
        boot = resampled["curves"][name]
        entry = {"metrics": {metric: _estimate(metrics[metric][0], boot[metric]) for metric in rm.METRICS},
                 "best_delta_IBC_routed_share": metrics["best_delta_IBC_share"][0],
                 "best_delta_IBC_automix_routed_share": metrics["best_delta_IBC_automix_share"][0],
                 "verifier_charge": charges[name]}
        if name in ROUTERS:
            entry["held_out_delta_IBC"] = _held_out(queries, name, min_routed_share, **holdout)
            entry["held_out_delta_IBC_automix"] = _held_out(queries, name, min_routed_share, **holdout,
                                                            automix=(costs, charges[name]))
        else:
            entry["held_out_delta_IBC"] = {"mean": None, "std": None, "n_defined": 0,
                                           "splits": holdout["splits"], "note": ORACLE_HELD_OUT_NOTE}
            entry["held_out_delta_IBC_automix"] = dict(entry["held_out_delta_IBC"])
        low, high = _interval(boot["pgr_grid"]) if len(boot["pgr_grid"]) else (np.nan * PGR_GRID,) * 2
        entry["pgr_band"] = {"share": PGR_GRID, "value": metrics["pgr_grid"][0], "ci_low": low, "ci_high": high}
        result["routers"][name] = entry
    return result


def metrics_long(by_dataset: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per dataset, router (or ``oracle``) and metric: value, ci_low, ci_high.

    The held-out statistics are rows ``held_out_delta_IBC_mean``, ``_std`` and
    ``_n_defined``, then ``held_out_delta_IBC_automix_mean``, ``_std`` and
    ``_n_defined``, without an interval.
    """
    rows = []
    for dataset, result in by_dataset.items():
        for router, entry in result["routers"].items():
            for metric, estimate in entry["metrics"].items():
                rows.append((dataset, router, metric, estimate["value"], estimate["ci_low"], estimate["ci_high"]))
            for held in ("held_out_delta_IBC", "held_out_delta_IBC_automix"):
                for statistic in ("mean", "std", "n_defined"):
                    value = entry[held][statistic]
                    rows.append((dataset, router, f"{held}_{statistic}", np.nan if value is None else value,
                                 np.nan, np.nan))
    frame = pd.DataFrame(rows, columns=["dataset", "router", "metric", "value", "ci_low", "ci_high"])
    return frame.astype({"dataset": str, "router": str, "metric": str, "value": float, "ci_low": float,
                         "ci_high": float})
