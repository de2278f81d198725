"""Routing between a small and a large LLM: threshold sweeps, exact curves and IBC.

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
``delta_IBC = 100 (IBC - IBC_base) / IBC_base`` (percent). IBC is undefined
(NaN, written as null) where nothing is routed.

Every threshold is evaluated at once: the rows are sorted in the order in which
a loosening threshold keeps them, so the kept rows of any threshold are a
prefix and their performance a cumulative sum.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import zlib
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from .errors import InputError
from .latex import MISSING, booktabs, escape, fmt_number, signed
from .outputs import to_jsonable
from .routing_model import ROUTERS, Costs, cost_model, no_baseline_reason, threshold_key  # noqa: F401

ROUTER_LABELS = {"logits": "Log-probability", "entropy": "Entropy", "confidence": "Self-verification"}
TABLE_LABELS = {"logits": "Log-prob.", "entropy": "Entropy", "confidence": "Self-verif."}
LOGITS_COLUMNS = ("avg_logp", "avg_entropy_nats")
ROUTER_COLUMNS = ("slm_confidence", "perf_slm", "perf_llm")
SWEEP_COLUMNS = ["total", "lm1_count", "lm2_count", "lm1_ratio", "lm2_ratio", "avg_perf",
                 "avg_perf_slm", "avg_perf_llm", "avg_cost", "total_cost", "IBC", "delta_IBC"]
CURVE_COLUMNS = ["router", "threshold", "lm2_ratio", "avg_cost", "avg_perf"]


# --- Reading ---------------------------------------------------------------------------------

def read_jsonl(path: str) -> pd.DataFrame:
    """The records of a JSON Lines file (plain or .gz), indexed by their line number.

    pyarrow parses well-formed files (about 4x faster than line-by-line
    ``json.loads``); a file it rejects, or one with blank lines (which would
    shift the line numbers), is read line by line, which names the bad line.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if str(path).endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{path}: cannot be read as JSON Lines ({error}).") from None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    try:
        frame = pa_json.read_json(io.BytesIO(data)).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        frame = None
    if frame is None or len(frame) != lines or not len(frame):
        return _read_jsonl_by_line(data, path)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="line")
    return frame


def _read_jsonl_by_line(data: bytes, path: str) -> pd.DataFrame:
    records, lines = [], []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: cannot be read as JSON Lines ({error}).") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}, line {number}: not valid JSON ({error.msg}, column "
                             f"{error.colno}). Each line must hold one JSON object.") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}, line {number}: a JSON {type(record).__name__}, not an "
                             f"object. Each line must hold one JSON object.")
        records.append(record)
        lines.append(number)
    if not records:
        raise InputError(f"{path}: no records. Each dataset needs one JSON object per query.")
    return pd.DataFrame.from_records(records, index=pd.Index(lines, name="line"))


def _require_columns(frame: pd.DataFrame, columns, path: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(map(str, frame.columns))}. Every line needs {', '.join(columns)}.")


def _finite_column(frame: pd.DataFrame, column: str, path: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        lines = ", ".join(map(str, frame.index[bad][:5]))
        raise InputError(f"{path}: column {column} has {bad.sum()} value(s) that are not finite "
                         f"numbers (missing, NaN, inf or text), at line(s) {lines}"
                         f"{' ...' if bad.sum() > 5 else ''}. Fix those rows, or drop them from both "
                         f"files of the dataset (the files are joined by row position).")
    return values


def _unit_interval_column(frame: pd.DataFrame, column: str, path: str) -> np.ndarray:
    values = _finite_column(frame, column, path)
    outside = (values < 0) | (values > 1)
    if outside.any():
        lines = ", ".join(map(str, frame.index[outside][:5]))
        raise InputError(f"{path}: column {column} must lie in [0, 1] (accuracy or F1), but "
                         f"{outside.sum()} value(s) do not, at line(s) {lines}.")
    return values


def load_dataset(logits_path: str, router_path: str) -> tuple[pd.DataFrame, dict]:
    """The merged per-query frame and the merge diagnostic of one dataset.

    The files have no common key and are joined by row position. The diagnostic
    counts the rows whose ``generated_text`` (logits file) equals ``slm_pred``
    (router file); null when either column is absent.
    """
    logits, router = read_jsonl(logits_path), read_jsonl(router_path)
    _require_columns(logits, LOGITS_COLUMNS, logits_path)
    _require_columns(router, ROUTER_COLUMNS, router_path)
    if len(logits) != len(router):
        raise InputError(f"{logits_path} has {len(logits)} rows but {router_path} has {len(router)}. "
                         f"The two files are joined by row position, so they must hold the same "
                         f"queries in the same order.")
    frame = pd.DataFrame({
        "avg_logp": _finite_column(logits, "avg_logp", logits_path),
        "avg_entropy_nats": _finite_column(logits, "avg_entropy_nats", logits_path),
        "slm_confidence": _finite_column(router, "slm_confidence", router_path),
        "perf_slm": _unit_interval_column(router, "perf_slm", router_path),
        "perf_llm": _unit_interval_column(router, "perf_llm", router_path),
    })
    matches = None
    if "generated_text" in logits.columns and "slm_pred" in router.columns:
        matches = int((logits["generated_text"].to_numpy() == router["slm_pred"].to_numpy()).sum())
    return frame, {"rows": len(frame), "generated_text_equals_slm_pred": matches}


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
        return (self.p_llm - self.p_slm) / (self.costs.route - self.costs.keep)


def baseline(frame: pd.DataFrame, costs: Costs) -> Baseline:
    p_slm, p_llm = float(frame["perf_slm"].mean()), float(frame["perf_llm"].mean())
    scale = float(np.abs(frame[["perf_slm", "perf_llm"]].to_numpy()).max())
    return Baseline(p_slm, p_llm, costs, no_baseline_reason(p_slm, p_llm, len(frame), scale))


def ibc(avg_perf, avg_cost, lm2_count, base: Baseline) -> tuple[np.ndarray, np.ndarray]:
    """IBC and delta_IBC (percent) of operating points; NaN where nothing is routed, and
    delta_IBC NaN throughout when the dataset has no baseline."""
    routed = np.asarray(lm2_count) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (np.asarray(avg_perf) - base.p_slm) / (np.asarray(avg_cost) - base.costs.keep)
        value = np.where(routed, value, np.nan)
        delta = (value - base.ibc_base) / base.ibc_base * 100
    return value, delta


# --- Thresholds, sweeps and exact curves -----------------------------------------------------

def thresholds(score: np.ndarray, count: int, spacing: str = "linear") -> np.ndarray:
    """``count`` thresholds strictly inside the score's range, even in value or in rank."""
    interior = np.linspace(0.0, 1.0, count + 2)[1:-1]
    if spacing == "linear":
        return np.linspace(score.min(), score.max(), count + 2)[1:-1]
    if spacing == "quantile":
        return np.quantile(score, interior)
    raise ValueError(f"unknown threshold spacing {spacing!r}")


@dataclass(frozen=True)
class _KeepOrder:
    """Rows sorted so that every threshold keeps a prefix; cumulative performance gain."""

    key: np.ndarray  # sorted ascending; a row is kept at threshold t when key <= sign * t
    sign: float
    gain: np.ndarray  # gain[k]: sum of (perf_slm - perf_llm) over the first k rows

    def kept(self, threshold) -> np.ndarray:
        return np.searchsorted(self.key, self.sign * np.asarray(threshold, dtype=float), side="right")


def _keep_order(frame: pd.DataFrame, router: str) -> _KeepOrder:
    column, keep_when = ROUTERS[router]
    sign = -1.0 if keep_when == ">=" else 1.0
    key = sign * frame[column].to_numpy(dtype=float)
    order = np.argsort(key, kind="stable")
    gain = (frame["perf_slm"].to_numpy() - frame["perf_llm"].to_numpy())[order]
    return _KeepOrder(key[order], sign, np.concatenate(([0.0], np.cumsum(gain))))


def keep_orders(frame: pd.DataFrame) -> dict[str, _KeepOrder]:
    """Every router's sort of the rows, to share between its sweep and its exact curve."""
    return {router: _keep_order(frame, router) for router in ROUTERS}


def _points(order: _KeepOrder, kept: np.ndarray, frame: pd.DataFrame, base: Baseline) -> dict:
    """Operating-point statistics of keeping ``kept`` rows (array), as the notebook names them."""
    total = len(frame)
    lm2_count = total - kept
    total_cost = kept * base.costs.keep + lm2_count * base.costs.route
    avg_perf = (frame["perf_llm"].sum() + order.gain[kept]) / total
    avg_cost = total_cost / total
    value, delta = ibc(avg_perf, avg_cost, lm2_count, base)
    return {"total": np.full(len(kept), total), "lm1_count": kept, "lm2_count": lm2_count,
            "lm1_ratio": kept / total, "lm2_ratio": lm2_count / total, "avg_perf": avg_perf,
            "avg_perf_slm": np.full(len(kept), base.p_slm), "avg_perf_llm": np.full(len(kept), base.p_llm),
            "avg_cost": avg_cost, "total_cost": total_cost.astype(float), "IBC": value, "delta_IBC": delta}


def threshold_keys(router: str) -> list[str]:
    """The threshold field(s) of a sweep record, as in the notebook's JSON files."""
    return ["threshold"] if router == "confidence" else ["logits_threshold", "entropy_threshold"]


def sweep(frame: pd.DataFrame, router: str, values, costs: Costs, order: _KeepOrder | None = None
          ) -> pd.DataFrame:
    """One row per threshold in ``values``, with the notebook's fields in its order."""
    values = np.asarray(values, dtype=float)
    order = order or _keep_order(frame, router)
    stats = _points(order, order.kept(values), frame, baseline(frame, costs))
    keys = threshold_keys(router)
    columns = {key: values if key == threshold_key(router) else np.full(len(values), np.nan)
               for key in keys}
    return pd.DataFrame({**columns, **stats})[keys + SWEEP_COLUMNS]


def sweeps(frame: pd.DataFrame, costs: Costs, count: int, spacing: str, confidence_thresholds,
           orders: Mapping[str, _KeepOrder] | None = None) -> dict[str, pd.DataFrame]:
    """The three routers' threshold sweeps, keyed by router."""
    orders = orders or keep_orders(frame)
    values = {router: thresholds(frame[ROUTERS[router][0]].to_numpy(), count, spacing)
              for router in ("logits", "entropy")}
    values["confidence"] = confidence_thresholds
    return {router: sweep(frame, router, values[router], costs, orders[router]) for router in ROUTERS}


def records(frame: pd.DataFrame) -> list[dict]:
    """A sweep as JSON-ready records (NaN -> None)."""
    return to_jsonable(frame.to_dict(orient="records"))


def exact_curve(frame: pd.DataFrame, router: str, costs: Costs, order: _KeepOrder | None = None
                ) -> pd.DataFrame:
    """Every distinct operating point of one router, from nothing routed to everything routed.

    A row's threshold reproduces it exactly: each distinct score value, plus the
    next float beyond the score's range (everything routed).
    """
    order = order or _keep_order(frame, router)
    last_of_value = np.flatnonzero(np.diff(order.key, append=np.inf) != 0)
    kept = np.concatenate(([0], last_of_value + 1))
    beyond = np.nextafter(order.key[0], -np.inf)  # keeps nothing
    threshold = order.sign * np.concatenate(([beyond], order.key[last_of_value]))
    stats = _points(order, kept, frame, baseline(frame, costs))
    curve = pd.DataFrame({"router": router, "threshold": threshold, "lm2_ratio": stats["lm2_ratio"],
                          "avg_cost": stats["avg_cost"], "avg_perf": stats["avg_perf"]})
    return curve.iloc[::-1].reset_index(drop=True)[CURVE_COLUMNS]


def exact_curves(frame: pd.DataFrame, costs: Costs, orders: Mapping[str, _KeepOrder] | None = None
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
    avg_perf = float(np.where(routed, frame["perf_llm"], frame["perf_slm"]).mean())
    avg_cost = (lm2_count * costs.route + (len(frame) - lm2_count) * costs.keep) / len(frame)
    value, delta = ibc(avg_perf, avg_cost, lm2_count, base)
    return {"lm2_ratio": lm2_count / len(frame), "avg_perf": avg_perf, "avg_cost": avg_cost,
            "IBC": float(value), "delta_IBC": float(delta)}


def best_point(sweep_frame: pd.DataFrame, router: str, min_routed_share: float) -> dict:
    """The best delta_IBC among points routing at least ``min_routed_share``, and the
    points below that share with a higher delta_IBC (unstable: excluded from best)."""
    points = sweep_frame.rename(columns={threshold_key(router): "threshold"})[["threshold", "lm2_ratio", "delta_IBC"]]
    points = points[points["delta_IBC"].notna()]
    eligible = points[points["lm2_ratio"] >= min_routed_share]
    best = eligible.loc[eligible["delta_IBC"].idxmax()] if len(eligible) else None
    below = points[points["lm2_ratio"] < min_routed_share]
    if best is not None:
        below = below[below["delta_IBC"] > best["delta_IBC"]]
    return {"best": None if best is None else to_jsonable(best.to_dict()),
            "unstable": records(below)}


def dataset_summary(dataset: str, frame: pd.DataFrame, merge: dict, costs: Costs,
                    sweep_frames: Mapping[str, pd.DataFrame], min_routed_share: float) -> dict:
    """The numbers of one dataset that the table and figures report."""
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
        "oracle": oracle(frame, costs),
        "min_routed_share": min_routed_share,
        "routers": {router: {"score": ROUTERS[router][0], "keep_when": ROUTERS[router][1],
                             **best_point(sweep_frames[router], router, min_routed_share)}
                    for router in ROUTERS},
    })


def combine_summaries(summaries) -> dict:
    """Per-dataset summaries keyed by dataset, sorted."""
    return {s["dataset"]: s for s in sorted(summaries, key=lambda s: s["dataset"])}


# --- LaTeX table -----------------------------------------------------------------------------

def _pct(share: float) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + r"\,\%"


def routing_table(combined: Mapping[str, dict]) -> str:
    """Booktabs tabular: per dataset and router the best delta_IBC and its routed share.

    A dagger marks a router whose higher delta_IBC at a routed share below
    ``min_routed_share`` was excluded as unstable; a note row under the table
    lists each excluded value. A dataset without an IBC baseline (the large
    model is not better) shows a dash, marked and explained by a note.
    """
    rows, unstable_notes, no_baseline = [], [], []
    for dataset, summary in combined.items():
        if summary["no_baseline"]:
            no_baseline.append(escape(dataset))
        for router, result in summary["routers"].items():
            best = result["best"] or {"lm2_ratio": math.nan, "delta_IBC": math.nan}
            delta = signed(fmt_number(best["delta_IBC"], 1))
            if summary["no_baseline"]:
                delta += r"$^\ddagger$"
            if result["unstable"]:
                top = max(result["unstable"], key=lambda p: p["delta_IBC"])
                delta += r"$^\dagger$"
                unstable_notes.append(f"{escape(dataset)}, {TABLE_LABELS[router].lower()}: "
                                      f"{fmt_number(top['delta_IBC'], 1)}\\,\\% at {_pct(top['lm2_ratio'])} routed")
            rows.append((escape(dataset), fmt_number(summary["P_slm"], 3), fmt_number(summary["P_llm"], 3),
                         TABLE_LABELS[router], signed(fmt_number(100 * best["lm2_ratio"], 1)), delta))
    columns = ["Dataset", r"$P_\mathrm{SLM}$", r"$P_\mathrm{LLM}$", "Router",
               r"Routed (\%)", r"Best $\Delta_\mathrm{IBC}$ (\%)"]
    frame = pd.DataFrame(rows, columns=columns).set_index(columns[:4])
    text = booktabs(frame, column_format="lrrlrr")
    notes = []
    if unstable_notes:
        shares = {_pct(s["min_routed_share"]) for s in combined.values()}
        notes.append(r"$^\dagger$ Higher $\Delta_\mathrm{IBC}$ excluded as unstable (under "
                     + " / ".join(sorted(shares)) + r" of queries routed):")
        notes += [r"\quad " + note for note in unstable_notes]
    if no_baseline:
        notes.append(r"$^\ddagger$ No IBC baseline for " + ", ".join(no_baseline)
                     + r": $P_\mathrm{LLM}$ is not above $P_\mathrm{SLM}$ by more than one query's "
                       r"swing, so $\Delta_\mathrm{IBC}$ is undefined.")
    if notes:
        text = text.replace("\\bottomrule\n", "\\bottomrule\n" + "\n".join(
            r"\multicolumn{6}{@{}l}{\footnotesize " + note + r"}\\" for note in notes) + "\n")
    return _space_between_datasets(text)


def _space_between_datasets(text: str) -> str:
    lines = text.splitlines()
    body_start = lines.index(r"\midrule") + 1
    out = lines[:body_start + 1]
    for line in lines[body_start + 1:]:
        if line and not line.startswith((" ", "\\")):
            out.append(r"\addlinespace")
        out.append(line)
    return "\n".join(out) + "\n"
