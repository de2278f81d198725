"""Routing curve metrics (AIQ, APGR, CPT, delta_IBC_5, best delta_IBC), held-out choice and bootstrap.

Hand-checkable tiny datasets first (the arithmetic in the comments), then the
bundled data against a deliberately naive implementation written here: one
boolean mask per threshold, plain loops, a monotone-chain hull.
"""

import math
import re
import subprocess

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from llmcost import routing
from llmcost import routing_data
from llmcost import routing_metrics as rm
from llmcost import routing_resampling as rr
from llmcost.outputs import to_jsonable
from llmcost.routing_model import ROUTERS
from llmcost.routing_figures import draw_hull
from llmcost.routing_metric_figures import pgr_figure
from llmcost.routing_tables import routing_metrics_table
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

DATASETS = ("cnli_short", "coqa_short", "narrative_qa_short", "qasper_short")
NO_BOOTSTRAP = {"resamples": 0, "seed": 0}


def tiny() -> pd.DataFrame:
    """Four queries, accuracy: P_slm = 2/4 = 0.5, P_llm = 4/4 = 1, gap 0.5 > scale / n = 1/4.

    - log-probability (keep when >= t) keeps q1 (0.9) longest, then q2 and q3
      together (tied at 0.5), then q4: it routes the queries the large model
      gets right first, a good router;
    - entropy (keep when <= t) routes q1 (0.9) first, then q3, q2, q4: the
      queries where routing gains nothing go first, a harmful router;
    - self-verification has one score for all: it never helps.
    """
    return pd.DataFrame({
        "avg_logp": [0.9, 0.5, 0.5, 0.1],
        "avg_entropy_nats": [0.9, 0.3, 0.6, 0.1],
        "slm_confidence": [0.5, 0.5, 0.5, 0.5],
        "perf_slm": [1.0, 0.0, 1.0, 0.0],
        "perf_llm": [1.0, 1.0, 1.0, 1.0],
    })


def metrics_of(frame: pd.DataFrame, min_routed_share: float = 0.05) -> dict:
    result = to_jsonable(rr.dataset_metrics(frame, min_routed_share, bootstrap=NO_BOOTSTRAP))
    return {name: {m: e["value"] for m, e in entry["metrics"].items()} for name, entry in result["routers"].items()}


# --- Hand-checked ----------------------------------------------------------------------------

def test_good_router_with_a_tie():
    # Points (s, p): nothing routed (0, 0.5); q4 routed (0.25, 0.75); q2, q3 and q4 routed
    # (0.75, 1.0) -- the tie q2 = q3 gives no point at 0.5 --; all routed (1, 1.0).
    curve = rm.router_curve(tiny(), "logits")
    np.testing.assert_allclose(curve["share"], [0, 0.25, 0.75, 1])
    np.testing.assert_allclose(curve["perf"], [0.5, 0.75, 1.0, 1.0])
    # each point's threshold is the score of its last kept group; one above 0.9 keeps nothing
    np.testing.assert_array_equal(curve["threshold"].iloc[:3], [0.1, 0.5, 0.9])
    assert curve["threshold"].iloc[3] > 0.9
    got = metrics_of(tiny())["logits"]
    # PGR = (p - 0.5) / 0.5 = 0, 0.5, 1, 1.
    # APGR = 0.25 (0 + 0.5)/2 + 0.5 (0.5 + 1)/2 + 0.25 (1 + 1)/2 = 0.0625 + 0.375 + 0.25 = 0.6875
    assert got["APGR"] == pytest.approx(0.6875, abs=1e-12)
    # CPT(20 %) on [0, 0.25]: 0.25 * 0.2 / 0.5 = 0.1; CPT(50 %) = 0.25 (a point);
    # CPT(80 %) on [0.25, 0.75]: 0.25 + 0.5 * (0.8 - 0.5) / 0.5 = 0.55
    assert (got["CPT_20"], got["CPT_50"], got["CPT_80"]) == pytest.approx((0.1, 0.25, 0.55), abs=1e-12)
    # Slopes 1, 0.5, 0 fall: every point is on the hull, which never falls. AIQ =
    # 0.25 (0.5 + 0.75)/2 + 0.5 (0.75 + 1)/2 + 0.25 * 1 = 0.15625 + 0.4375 + 0.25 = 0.84375
    assert got["AIQ"] == pytest.approx(0.84375, abs=1e-12)
    # PGR at s = 0.1, 0.3, 0.5, 0.7, 0.9: 0.2, 0.55, 0.75, 0.95, 1, so delta_IBC = 100 (PGR/s - 1)
    # = 100, 250/3, 50, 250/7, 100/9; mean = (6300 + 5250 + 3150 + 2250 + 700) / 63 / 5 = 3530/63
    assert got["delta_IBC_5"] == pytest.approx(3530 / 63, abs=1e-12)
    # delta_IBC at s = 0.25, 0.75, 1: 100 (0.5/0.25 - 1) = 100, 100 (1/0.75 - 1) = 33.3, 0
    assert got["best_delta_IBC"] == pytest.approx(100.0, abs=1e-12)
    # AutoMix (costs 1, 20, 4; the log-probability router pays no verifier): IBC = (p - 0.5) / (20 s)
    # against 0.5 / 19: 100 (PGR 19 / (20 s) - 1) = 90, 100 (19/15 - 1) = 26.7, -5 at s = 0.25, 0.75, 1.
    # Break-even PGR 19 - 20 s = 4.5, 4, -1.
    assert got["best_delta_IBC_automix"] == pytest.approx(90.0, abs=1e-12)
    assert got["verifier_break_even_cost"] == pytest.approx(4.5, abs=1e-12)


def test_harmful_router():
    # Points: (0, 0.5), (0.25, 0.5) q1, (0.5, 0.5) q3, (0.75, 0.75) q2, (1, 1) q4.
    got = metrics_of(tiny())["entropy"]
    # PGR = 0, 0, 0, 0.5, 1: APGR = 0.25 (0 + 0.5)/2 + 0.25 (0.5 + 1)/2 = 0.0625 + 0.1875 = 0.25
    assert got["APGR"] == pytest.approx(0.25, abs=1e-12)
    # CPT(20 %) = 0.5 + 0.25 * 0.2/0.5 = 0.6; CPT(50 %) = 0.75; CPT(80 %) = 0.75 + 0.25 * 0.3/0.5 = 0.9
    assert (got["CPT_20"], got["CPT_50"], got["CPT_80"]) == pytest.approx((0.6, 0.75, 0.9), abs=1e-12)
    # (0.75, 0.75) is under the chord from (0, 0.5) to (1, 1) (0.875 there): the hull is the
    # chord, random mixing, so AIQ = (0.5 + 1) / 2 = 0.75
    assert got["AIQ"] == pytest.approx(0.75, abs=1e-12)
    # PGR at 0.1, 0.3, 0.5: 0 (delta -100 each); at 0.7: 0.5 * 0.2/0.25 = 0.4 (100 (0.4/0.7 - 1) =
    # -300/7); at 0.9: 0.5 + 0.5 * 0.15/0.25 = 0.8 (-100/9); mean = -(300 + 300/7 + 100/9)/5 = -22300/315
    assert got["delta_IBC_5"] == pytest.approx(-22300 / 315, abs=1e-12)
    # delta_IBC at 0.25, 0.5, 0.75, 1: -100, -100, -100/3, 0: the best is routing everything
    assert got["best_delta_IBC"] == pytest.approx(0.0, abs=1e-12)
    # AutoMix: -100, -100, 100 (0.5 * 19/15 - 1) = -36.7, 100 (19/20 - 1) = -5; break-even
    # PGR 19 - 20 s = -5, -10, -5.5, -1: not even a free verifier would pay
    assert got["best_delta_IBC_automix"] == pytest.approx(-5.0, abs=1e-12)
    assert got["verifier_break_even_cost"] == pytest.approx(-1.0, abs=1e-12)


def test_a_router_that_never_helps_is_random_routing():
    # One score for all: only (0, 0.5) and (1, 1). PGR = s, so APGR = 1/2, CPT(x) = x, AIQ =
    # (0.5 + 1)/2, delta_IBC = 0 everywhere. Self-verification pays the verifier (4): AutoMix's
    # IBC at s = 1 is 0.5 / (4 + 20) against 0.5 / 19, so delta_IBC_automix = 100 (19/24 - 1), and
    # the break-even cost PGR 19 - 20 s = -1.
    got = metrics_of(tiny())["confidence"]
    expected = {"AIQ": 0.75, "APGR": 0.5, "CPT_20": 0.2, "CPT_50": 0.5, "CPT_80": 0.8,
                "delta_IBC_5": 0.0, "best_delta_IBC": 0.0, "best_delta_IBC_automix": 100 * (19 / 24 - 1),
                "verifier_break_even_cost": -1.0}
    assert got == pytest.approx(expected, abs=1e-12)


def test_oracle_on_the_tiny_data():
    # Gaps llm - slm: 0, 1, 0, 1. Routed in that order (q2, q4, then q1, q3): p = 0.5, 0.75, 1, 1, 1
    # at s = 0, 0.25, 0.5, 0.75, 1. PGR = 0, 0.5, 1, 1, 1: APGR = 0.0625 + 0.1875 + 0.25 + 0.25 = 0.75.
    # AIQ = 0.25 (0.5 + 0.75)/2 + 0.25 (0.75 + 1)/2 + 0.5 = 0.15625 + 0.21875 + 0.5 = 0.875.
    # CPT(20 %) = 0.25 * 0.2/0.5 = 0.1, CPT(80 %) = 0.25 + 0.25 * 0.3/0.5 = 0.4.
    # PGR at 0.1 .. 0.9: 0.2, 0.5 + 0.5 * 0.05/0.25 = 0.6, 1, 1, 1, so delta_IBC = 100, 100, 100,
    # 300/7, 100/9; mean = (3 * 6300 + 2700 + 700) / 63 / 5 = 22300/315.
    # Best: 100 (0.5/0.25 - 1) = 100 at s = 0.25 and at 0.5; 0.25 comes first.
    # AutoMix (no verifier): 100 (PGR 19 / (20 s) - 1) = 90, 90, 26.7, -5 at s = 0.25 .. 1; break-even
    # PGR 19 - 20 s = 4.5, 9, 4, -1.
    got = metrics_of(tiny())["oracle"]
    expected = {"AIQ": 0.875, "APGR": 0.75, "CPT_20": 0.1, "CPT_50": 0.25, "CPT_80": 0.4,
                "delta_IBC_5": 22300 / 315, "best_delta_IBC": 100.0, "best_delta_IBC_automix": 90.0,
                "verifier_break_even_cost": 9.0}
    assert got == pytest.approx(expected, abs=1e-12)


def test_large_model_below_small_model_has_no_baseline():
    # Swap the two models: P_slm = 1, P_llm = 0.5. The log-probability router's points are
    # (0, 1), (0.25, 0.75), (0.75, 0.5), (1, 0.5): the running maximum is 1 throughout, AIQ = 1.
    swapped = tiny().rename(columns={"perf_slm": "perf_llm", "perf_llm": "perf_slm"})
    result = to_jsonable(rr.dataset_metrics(swapped, 0.05, bootstrap={"resamples": 20, "seed": 0}))
    assert result["has_baseline"] is False and "is not above P_SLM" in result["why"]
    logits = result["routers"]["logits"]
    assert logits["metrics"]["AIQ"]["value"] == pytest.approx(1.0, abs=1e-12)
    for name, entry in result["routers"].items():
        assert entry["metrics"]["AIQ"]["value"] is not None
        for metric in rm.METRICS:
            if metric not in rm.UNNORMALISED:
                assert entry["metrics"][metric]["value"] is None, (name, metric)
        assert set(entry["pgr_band"]["value"]) == {None}
    assert logits["held_out_delta_IBC"]["n_defined"] == 0


def test_the_baseline_needs_more_than_one_query_of_swing():
    # n = 4, accuracy: the large model must be better by more than 1/4
    assert not rm.has_baseline(0.5, 0.75, 4, 1.0)
    assert rm.has_baseline(0.5, 0.76, 4, 1.0)
    assert not rm.has_baseline(0.5, 0.5, 4, 1.0)
    # token F1 never above 0.5: one query swings the mean by 0.5 / n
    assert rm.has_baseline(0.2, 0.4, 4, 0.5) and not rm.has_baseline(0.2, 0.3, 4, 0.5)


def calibration_and_test(test_rows: list[tuple]) -> pd.DataFrame:
    """Rows 0-3 calibrate, rows 4-7 (score, perf_slm, perf_llm) test; only avg_logp matters."""
    calibration = [(0.9, 1.0, 1.0), (0.8, 1.0, 1.0), (0.2, 0.0, 1.0), (0.1, 0.0, 1.0)]
    score, slm, llm = map(list, zip(*(calibration + test_rows)))
    return pd.DataFrame({"avg_logp": score, "avg_entropy_nats": 0.0, "slm_confidence": 0.0,
                         "perf_slm": slm, "perf_llm": llm})


def test_held_out_choice_takes_the_smallest_share_on_ties():
    # Calibration: P_slm = 0.5, P_llm = 1. Routing 0.1 gives (0.25, 0.75), PGR 0.5, delta_IBC 100;
    # routing 0.1 and 0.2 gives (0.5, 1), PGR 1, delta_IBC 100 too: the tie goes to s = 0.25,
    # whose threshold is 0.2 (keep where avg_logp >= 0.2).
    # Test: 0.95 (1, 1), 0.2 (0, 1), 0.15 (0, 1), 0.5 (1, 1): P_slm 0.5, P_llm 1. Threshold 0.2
    # keeps 0.95, 0.2 and 0.5 and routes 0.15: s = 0.25, p = 0.75, PGR 0.5, delta_IBC 100.
    # (Threshold 0.8 would route three, p = 1, PGR 1, delta_IBC 100 (1/0.75 - 1) = 33.3.)
    frame = calibration_and_test([(0.95, 1.0, 1.0), (0.2, 0.0, 1.0), (0.15, 0.0, 1.0), (0.5, 1.0, 1.0)])
    split = rr.held_out_split(frame, "logits", np.arange(4), np.arange(4, 8), 0.05)
    assert split["threshold"] == 0.2 and not split["routes_everything"]
    assert split["delta_IBC"] == pytest.approx(100.0, abs=1e-12)


def test_held_out_routes_everything_and_is_null_when_nothing_is_routed():
    test_rows = [(0.95, 1.0, 1.0), (0.7, 0.0, 1.0), (0.6, 0.0, 1.0), (0.5, 1.0, 1.0)]
    frame = calibration_and_test(test_rows)
    # min_routed_share 1: only routing everything is eligible; it routes everything on the test
    # rows too (PGR 1 at s = 1: delta_IBC 0), whatever their scores.
    split = rr.held_out_split(frame, "logits", np.arange(4), np.arange(4, 8), 1.0)
    assert split["routes_everything"] and split["delta_IBC"] == pytest.approx(0.0, abs=1e-12)
    # threshold 0.2 keeps every test row (all >= 0.5): nothing routed, delta_IBC null
    split = rr.held_out_split(frame, "logits", np.arange(4), np.arange(4, 8), 0.05)
    assert split["threshold"] == 0.2 and math.isnan(split["delta_IBC"])


def test_held_out_statistics_over_seeded_splits():
    frame = load("coqa_short")
    result = rr.held_out(frame, "entropy", 0.05, splits=4, calibration_fraction=0.3, seed=7)
    values = []
    for i in range(4):
        permutation = np.random.default_rng([7, 1, i]).permutation(len(frame))
        calibration, test = permutation[:300], permutation[300:]
        values.append(rr.held_out_split(frame, "entropy", calibration, test, 0.05)["delta_IBC"])
    np.testing.assert_array_equal(result["values"], values)
    assert result["mean"] == pytest.approx(np.mean(values)) and result["std"] == pytest.approx(np.std(values, ddof=1))
    assert (result["n_defined"], result["splits"]) == (4, 4)


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_a_dataset_of_one_to_three_queries_gives_numbers_or_nulls_and_no_numpy_warning(rows):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = to_jsonable(rr.dataset_metrics(tiny().iloc[:rows], 0.05, {"splits": 3},
                                                {"resamples": 20, "seed": 0}))
    held_out = result["routers"]["logits"]["held_out_delta_IBC"]
    if rows == 1:  # no split has a calibration and a test query
        assert held_out["mean"] is None and held_out["n_defined"] == 0
        assert held_out["note"].startswith("1 query gives 0 calibration and 1 test queries")
    else:
        assert "note" not in held_out and held_out["splits"] == 3


# --- The bundled data against a naive implementation ------------------------------------------

def load(dataset: str) -> pd.DataFrame:
    frame, _ = routing_data.load_dataset(str(REPO / f"data/automix/logits_entropy/{dataset}_answerlogits.jsonl.gz"),
                                    str(REPO / f"data/automix/router_data/router_data_{dataset}.jsonl.gz"))
    return frame


def naive_router_points(frame: pd.DataFrame, router: str) -> tuple[list, list, list]:
    """(s, p, threshold) at each distinct score and at nothing kept, one mask per threshold."""
    column, keep_when = ROUTERS[router]
    score, slm, llm = (frame[c].to_numpy() for c in (column, "perf_slm", "perf_llm"))
    points = [(1.0, llm.mean(), None)]
    for t in np.unique(score):
        kept = score >= t if keep_when == ">=" else score <= t
        points.append(((~kept).sum() / len(score), np.where(kept, slm, llm).mean(), t))
    points.sort(key=lambda point: point[0])
    return tuple(map(list, zip(*points)))


def naive_oracle_points(frame: pd.DataFrame) -> tuple[list, list]:
    slm, llm = frame["perf_slm"].to_numpy(), frame["perf_llm"].to_numpy()
    order = sorted(range(len(slm)), key=lambda i: -(llm[i] - slm[i]))
    shares, perfs = [], []
    for k in range(len(slm) + 1):
        routed = np.zeros(len(slm), dtype=bool)
        routed[order[:k]] = True
        shares.append(k / len(slm))
        perfs.append(np.where(routed, llm, slm).mean())
    return shares, perfs


def naive_metrics(s: list, p: list, p_slm: float, p_llm: float, min_share: float, charge: float = 0.0,
                  slm: float = 1.0, llm: float = 20.0) -> dict:
    g = [(v - p_slm) / (p_llm - p_slm) for v in p]
    apgr = sum((s[i + 1] - s[i]) * (g[i] + g[i + 1]) / 2 for i in range(len(s) - 1))

    def cpt(x):
        for i in range(len(s)):
            if g[i] >= x:
                return s[0] if i == 0 else s[i - 1] + (x - g[i - 1]) / (g[i] - g[i - 1]) * (s[i] - s[i - 1])
        return math.nan

    hull = []  # monotone chain, upper hull, left to right
    for point in zip(s, p):
        while len(hull) >= 2 and ((hull[-1][0] - hull[-2][0]) * (point[1] - hull[-2][1])
                                  - (hull[-1][1] - hull[-2][1]) * (point[0] - hull[-2][0])) >= 0:
            hull.pop()
        hull.append(point)
    running = [max(y for _, y in hull[:i + 1]) for i in range(len(hull))]
    aiq = sum((hull[i + 1][0] - hull[i][0]) * (running[i] + running[i + 1]) / 2 for i in range(len(hull) - 1))
    five = [100 * (np.interp(x, s, g) / x - 1) for x in (0.1, 0.3, 0.5, 0.7, 0.9)]
    eligible = [(s[i], 100 * (g[i] / s[i] - 1)) for i in range(len(s)) if s[i] >= min_share]
    best = max(delta for _, delta in eligible)
    # where: the smallest share whose delta_IBC is the best (ties up to rounding)
    share = min(x for x, delta in eligible if delta >= best - tolerance("delta_IBC"))
    # AutoMix: a query costs slm + charge + s llm, against the large model alone
    base = (p_llm - p_slm) / (llm - slm)
    automix = [(s[i], 100 * ((p[i] - p_slm) / (slm + charge + s[i] * llm - slm) - base) / base)
               for i in range(len(s)) if s[i] >= min_share and charge + s[i] * llm > 0]
    best_automix = max(delta for _, delta in automix)
    break_even = max((p[i] - p_slm) * (llm - slm) / (p_llm - p_slm) - s[i] * llm
                     for i in range(len(s)) if s[i] >= min_share and s[i] > 0)
    return {"AIQ": aiq, "APGR": apgr, "CPT_20": cpt(0.2), "CPT_50": cpt(0.5), "CPT_80": cpt(0.8),
            "delta_IBC_5": sum(five) / 5, "best_delta_IBC": best, "best_delta_IBC_share": share,
            "best_delta_IBC_automix": best_automix, "verifier_break_even_cost": break_even,
            "best_delta_IBC_automix_share": min(x for x, delta in automix
                                                if delta >= best_automix - tolerance("delta_IBC"))}


def naive_held_out(frame: pd.DataFrame, router: str, min_share: float, splits: int, fraction: float,
                   seed: int) -> list:
    column, keep_when = ROUTERS[router]
    values = []
    for i in range(splits):
        permutation = np.random.default_rng([seed, 1, i]).permutation(len(frame))
        calibration = frame.iloc[permutation[:int(len(frame) * fraction)]]
        test = frame.iloc[permutation[int(len(frame) * fraction):]]
        s, p, t = naive_router_points(calibration, router)
        c_slm, c_llm = calibration["perf_slm"].mean(), calibration["perf_llm"].mean()
        deltas = [100 * ((p[j] - c_slm) / (c_llm - c_slm) / s[j] - 1) if s[j] >= min_share else -math.inf
                  for j in range(len(s))]
        chosen = deltas.index(max(deltas))
        score = test[column].to_numpy()
        if t[chosen] is None:
            kept = np.zeros(len(test), dtype=bool)
        else:
            kept = score >= t[chosen] if keep_when == ">=" else score <= t[chosen]
        t_slm, t_llm = test["perf_slm"].mean(), test["perf_llm"].mean()
        p_test = np.where(kept, test["perf_slm"], test["perf_llm"]).mean()
        share = (~kept).sum() / len(test)
        values.append(100 * ((p_test - t_slm) / (t_llm - t_slm) / share - 1) if share > 0 else math.nan)
    return values


def tolerance(metric: str) -> float:
    """1e-12; for delta_IBC, in percent, 1e-12 of the ratio PGR / s (1e-10 percent points): at s
    = 0.05 on a gap of 0.1 the last bit of a mean performance already moves it by ~2e-12 %; for
    the break-even cost (cost units, a PGR times llm - slm) 1e-11."""
    return 1e-10 if "delta_IBC" in metric else 1e-11 if "break_even" in metric else 1e-12


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_metric_equals_the_naive_implementation(dataset):
    frame = load(dataset)
    result = rr.dataset_metrics(frame, 0.05, holdout={"splits": 3}, bootstrap=NO_BOOTSTRAP)
    p_slm, p_llm = frame["perf_slm"].mean(), frame["perf_llm"].mean()
    assert result["has_baseline"]
    assert result["P_slm"]["value"] == pytest.approx(p_slm, abs=1e-12)
    assert result["P_llm"]["value"] == pytest.approx(p_llm, abs=1e-12)
    for name, entry in result["routers"].items():
        s, p = naive_oracle_points(frame) if name == "oracle" else naive_router_points(frame, name)[:2]
        expected = naive_metrics(s, p, p_slm, p_llm, 0.05, 4.0 if name == "confidence" else 0.0)
        for metric, estimate in entry["metrics"].items():
            assert estimate["value"] == pytest.approx(expected[metric], abs=tolerance(metric), rel=0), (name, metric)
        assert entry["best_delta_IBC_routed_share"] == expected["best_delta_IBC_share"], name
        assert entry["best_delta_IBC_automix_routed_share"] == expected["best_delta_IBC_automix_share"], name
        grid = np.interp(rr.PGR_GRID, s, [(v - p_slm) / (p_llm - p_slm) for v in p])
        np.testing.assert_allclose(entry["pgr_band"]["value"], grid, rtol=0, atol=1e-12)
        if name != "oracle":
            np.testing.assert_allclose(entry["held_out_delta_IBC"]["values"],
                                       naive_held_out(frame, name, 0.05, 3, 0.5, 0), rtol=0,
                                       atol=tolerance("delta_IBC"))


@pytest.mark.parametrize("dataset", DATASETS)
def test_the_exact_best_is_at_least_the_best_of_the_nine_swept_thresholds(dataset):
    frame, costs = load(dataset), routing.Costs(1.0, 20.0, 4.0)
    result = rr.dataset_metrics(frame, 0.05, holdout={"splits": 0}, bootstrap=NO_BOOTSTRAP)
    for router, swept in routing.sweeps(frame, costs, 9, "linear", [0.25, 0.5, 0.75]).items():
        best = routing.best_point(swept, router, 0.05)["best"]
        assert result["routers"][router]["metrics"]["best_delta_IBC"]["value"] >= best["delta_IBC"] - 1e-9


@pytest.mark.parametrize("router", ROUTERS)
def test_router_curve_thresholds_reproduce_the_exact_curve(router):
    frame = load("qasper_short")
    ours = rm.router_curve(frame, router)
    theirs = routing.exact_curve(frame, router, routing.Costs(1.0, 20.0, 4.0))
    np.testing.assert_allclose(ours["share"], theirs["lm2_ratio"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["perf"], theirs["avg_perf"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours["threshold"], theirs["threshold"])


# --- Bootstrap -------------------------------------------------------------------------------

def test_bootstrap_resample_zero_is_the_metrics_of_its_rows():
    frame = load("narrative_qa_short")
    boot = rr.bootstrap_metrics(frame, 0.05, resamples=2, seed=0)
    rows = np.random.default_rng([0, 0, 0]).integers(0, len(frame), len(frame))
    direct = rr.dataset_metrics(frame.iloc[rows].reset_index(drop=True), 0.05, holdout={"splits": 0},
                                bootstrap=NO_BOOTSTRAP)
    assert boot["P_slm"][0] == pytest.approx(direct["P_slm"]["value"], abs=1e-12)
    assert boot["P_llm"][0] == pytest.approx(direct["P_llm"]["value"], abs=1e-12)
    for name, entry in direct["routers"].items():
        for metric in rm.METRICS:
            assert boot["curves"][name][metric][0] == pytest.approx(entry["metrics"][metric]["value"],
                                                                   abs=tolerance(metric), rel=0), (name, metric)
        np.testing.assert_allclose(boot["curves"][name]["pgr_grid"][0], entry["pgr_band"]["value"],
                                   rtol=0, atol=1e-12)


def test_bootstrap_chunks_do_not_change_the_resamples(monkeypatch):
    frame = load("cnli_short")
    whole = rr.bootstrap_metrics(frame, 0.05, resamples=7, seed=3)
    monkeypatch.setattr(rr, "CHUNK_CELLS", 3 * len(frame))  # chunks of 3, 3, 1 resamples
    chunked = rr.bootstrap_metrics(frame, 0.05, resamples=7, seed=3)
    for name in whole["curves"]:
        for metric in rm.METRICS:
            np.testing.assert_array_equal(chunked["curves"][name][metric], whole["curves"][name][metric])


def test_bootstrap_intervals_repeat_and_change_with_the_seed():
    frame = load("qasper_short")
    runs = [to_jsonable(rr.dataset_metrics(frame, 0.05, holdout={"splits": 2},
                                           bootstrap={"resamples": 40, "seed": seed})) for seed in (0, 0, 1)]
    assert runs[0] == runs[1]
    for name in runs[0]["routers"]:
        first, other = runs[0]["routers"][name]["metrics"], runs[2]["routers"][name]["metrics"]
        assert first["APGR"]["value"] == other["APGR"]["value"]
        assert first["APGR"]["ci_low"] != other["APGR"]["ci_low"]
    aiq = runs[0]["routers"]["logits"]["metrics"]["AIQ"]
    assert aiq["ci_low"] <= aiq["value"] <= aiq["ci_high"]


# --- Outputs ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def by_dataset() -> dict:
    """Two bundled datasets (small bootstrap) and the tiny one with its models swapped."""
    result = {name: rr.dataset_metrics(load(name), 0.05, bootstrap={"resamples": 30, "seed": 0})
              for name in ("cnli_short", "qasper_short")}
    swapped = tiny().rename(columns={"perf_slm": "perf_llm", "perf_llm": "perf_slm"})
    result["swapped_toy"] = rr.dataset_metrics(swapped, 0.05, bootstrap={"resamples": 30, "seed": 0})
    return result


def test_metrics_long_has_one_row_per_dataset_router_and_metric(by_dataset):
    frame = rr.metrics_long(by_dataset)
    assert list(frame.columns) == ["dataset", "router", "metric", "value", "ci_low", "ci_high"]
    assert frame.groupby(["dataset", "router", "metric"]).size().eq(1).all()
    assert len(frame) == 3 * 4 * (len(rm.METRICS) + 6)
    assert all(isinstance(v, str) for v in frame["dataset"]) and all(isinstance(v, str) for v in frame["router"])
    oracle = frame[(frame["router"] == "oracle") & (frame["metric"] == "held_out_delta_IBC_mean")]
    assert oracle["value"].isna().all()


def test_metrics_table_compiles_fits_and_marks_missing_values(by_dataset, pdflatex, tmp_path):
    text = routing_metrics_table(to_jsonable(by_dataset))
    assert text.startswith(r"\begin{tabular}") and text.rstrip().endswith(r"\end{tabular}")
    assert "swapped\\_toy" in text
    in_math = re.split(r"(?<!\\)\$", text)[1::2]
    assert "--" in text and not any("--" in segment for segment in in_math)  # en dashes in text mode
    assert "No baseline" in text and "Not applicable: the oracle knows" in text
    (tmp_path / "table.tex").write_text(text)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs}\n"
                                      "\\usepackage{multirow}\n\\begin{document}\n\\input{table.tex}\n"
                                      "\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "Overfull" not in (tmp_path / "doc.log").read_text()  # fits a plain article's text width


def test_json_is_ready_and_nulls_what_is_undefined(by_dataset):
    result = to_jsonable(by_dataset["cnli_short"])
    assert list(result["routers"]) == [*ROUTERS, "oracle"]
    assert result["routers"]["oracle"]["held_out_delta_IBC"]["mean"] is None
    assert "note" in result["routers"]["oracle"]["held_out_delta_IBC"]
    band = result["routers"]["logits"]["pgr_band"]
    assert len(band["share"]) == len(band["value"]) == len(band["ci_low"]) == len(band["ci_high"]) == 101


# --- Figure ----------------------------------------------------------------------------------

def _outside_the_figure(fig) -> list:
    fig.canvas.draw()
    renderer, box = fig.canvas.get_renderer(), fig.bbox
    artists = [*fig.texts, *fig.legends]
    for ax in fig.axes:
        if ax.get_visible():
            artists += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts,
                        *(t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text())]
    outside = []
    for artist in artists:
        extent = artist.get_window_extent(renderer)
        if artist.get_visible() and extent.width and not (
                extent.x0 >= box.x0 - 0.5 and extent.y0 >= box.y0 - 0.5
                and extent.x1 <= box.x1 + 0.5 and extent.y1 <= box.y1 + 0.5):
            outside.append(artist)
    return outside


@pytest.mark.parametrize("count", [1, 2, 12, 40])
def test_pgr_figure_fits_any_number_of_datasets(by_dataset, count):
    results = list(by_dataset.values())
    chosen = {f"dataset_number_{i:02d}": results[i % len(results)] for i in range(count)}
    fig = pgr_figure(to_jsonable(chosen))
    assert _outside_the_figure(fig) == []
    assert len(fig.panel_boxes) == count  # panels drawn onto the figure by plotting.Panels
    (legend,) = fig.legends
    in_legend = {(to_hex(h.get_color()), h.get_linestyle()) for h in legend.findobj(Line2D)}
    lines = [patch for patch in fig.artists if patch.get_gid() == "data" and not patch.get_fill()]
    assert lines
    for line in lines:
        style = {"solid": "-", "dashed": "--"}.get(line.get_linestyle(), line.get_linestyle())
        assert (to_hex(line.get_edgecolor()), style) in in_legend
    plt.close(fig)


def test_draw_hull_puts_the_aiq_hull_on_a_cost_axis():
    curve = rm.router_curve(tiny(), "entropy")  # its hull is the chord (0, 0.5) - (1, 1)
    fig, ax = plt.subplots()
    (line,) = draw_hull(ax, curve["share"], curve["perf"], 5.0, 25.0, color="k")
    np.testing.assert_allclose(line.get_xdata(), [5.0, 25.0])
    np.testing.assert_allclose(line.get_ydata(), [0.5, 1.0])
    plt.close(fig)


def test_metrics_table_says_why_an_interval_is_absent(by_dataset):
    """Issue 26: with routing.bootstrap.resamples 0 the note said "95 % bootstrap interval (0 resamples)"
    over a table without intervals; a value whose resamples give no interval was unmarked."""
    none = {"toy": rr.dataset_metrics(tiny(), 0.05, bootstrap={"resamples": 0, "seed": 0})}
    text = routing_metrics_table(to_jsonable(none))
    assert "No bootstrap intervals: routing.bootstrap.resamples is 0." in text
    assert "Small type" not in text and r"\scriptsize $[" not in text and r"$^\P$" not in text
    mixed = to_jsonable(by_dataset)
    mixed["cnli_short"]["routers"]["logits"]["metrics"]["APGR"] |= {"ci_low": None, "ci_high": None}
    text = routing_metrics_table(mixed)
    logits = next(line for line in text.splitlines() if line.startswith("Log-prob."))
    assert logits.split(" & ")[2].endswith(r"$^\P$")
    assert r"Small type: 95\,\% bootstrap interval (30 resamples). $^\P$ No resample of the queries gives a value" in text


def test_pgr_figure_lists_a_band_only_where_one_is_drawn():
    metrics = {"toy": rr.dataset_metrics(tiny(), 0.05, bootstrap={"resamples": 0, "seed": 0})}
    fig = pgr_figure(to_jsonable(metrics))
    labels = [text.get_text() for legend in fig.legends for text in legend.get_texts()]
    plt.close(fig)
    assert "Random routing" in labels and "95 % bootstrap band" not in labels
    metrics = {"toy": rr.dataset_metrics(tiny(), 0.05, bootstrap={"resamples": 20, "seed": 0})}
    fig = pgr_figure(to_jsonable(metrics))
    assert "95 % bootstrap band" in [text.get_text() for legend in fig.legends for text in legend.get_texts()]
    plt.close(fig)


def test_aiq_of_all_rows_at_once_is_each_rows_hull_bit_for_bit():
    """AIQ on every bootstrap row at once equals ``_upper_hull`` row by row with ``total``: the
    bootstrap's per-resample values (which a paired comparison of routers reads) keep their bits.
    Rows with ties, collinear points, a flat or falling curve, two points and one point."""
    rng = np.random.default_rng(5)
    share = np.tile(np.linspace(0, 1, 41), (300, 1))
    perf = np.cumsum(rng.choice([-1.0, 0.0, 1.0, 2.0], size=share.shape), axis=1) / 40
    perf[:20] = np.round(perf[:20], 1)  # many equal heights: collinear and tied points
    perf[20] = 0.5  # flat
    perf[21] = np.linspace(1, 0, 41)  # falling: only the ends
    curves = rm.Curves(share, perf, np.ones(share.shape, dtype=bool))
    small = [rm.Curves(np.array([[0.0, 1.0]]), np.array([[0.3, 0.9]]), np.ones((1, 2), bool)),
             rm.Curves(np.array([[1.0]]), np.array([[0.4]]), np.ones((1, 1), bool))]

    def row_by_row(curves):
        running, candidate = rm._hull_candidates(curves.perf)
        areas = []
        for s, height, keep in zip(curves.share, running, candidate):
            x, y = rm._upper_hull(s[keep], height[keep])
            areas.append(rm.total((x[1:] - x[:-1]) * (y[1:] + y[:-1])) / 2)
        return np.array(areas)

    for case in (curves, *small):
        assert rm.aiq(case).tobytes() == row_by_row(case).tobytes()
