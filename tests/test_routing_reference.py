"""The routing metrics against the field's reference code, on the bundled data.

Each reference function is transcribed here from its repository (commit in
``docs/routing-metrics.md``; AutoMix, RouteLLM and rliable under Apache-2.0,
RouterBench under MIT), unchanged but for ``np.trapz`` -> ``np.trapezoid``
(NumPy 2) and its arguments. Where a definition agrees, the test checks the
agreement; where it differs, the test measures by how much and checks that
``docs/routing-metrics.md`` states that size.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from llmcost import routing_metrics as rm
from llmcost import routing_resampling as rr
from test_routing_metrics import DATASETS, load

DOC = re.sub(r"\s+", " ", (REPO / "docs/routing-metrics.md").read_text())
SCORES = {"logits": ("avg_logp", ">="), "entropy": ("avg_entropy_nats", "<="), "confidence": ("slm_confidence", ">=")}
SLM, LLM, VERIFIER = 1.0, 20.0, 4.0
CHARGE = {"logits": 0.0, "entropy": 0.0, "confidence": VERIFIER, "oracle": 0.0}


def stated(text: str) -> bool:
    return re.sub(r"\s+", " ", text) in DOC


@pytest.fixture(scope="module")
def bundled() -> dict:
    """Per dataset its frame, its published metrics.json and each curve (router or oracle)."""
    result = {}
    for dataset in DATASETS:
        frame = load(dataset)
        slm, llm = rm.performance(frame)
        oracle = rm.oracle_curves(rm.oracle_order(slm, llm), np.arange(len(frame))[None], slm, llm)
        curves = {router: rm.router_curve(frame, router) for router in SCORES}
        curves["oracle"] = pd.DataFrame({"share": oracle.share[0], "perf": oracle.perf[0]})
        metrics = json.loads((REPO / f"results/routing/datasets/{dataset}/metrics.json").read_text())
        sweeps = {router: pd.DataFrame(json.loads(
            (REPO / f"results/routing/datasets/{dataset}/{router}_sweep.json").read_text())) for router in SCORES}
        result[dataset] = {"frame": frame, "metrics": metrics, "curves": curves, "sweeps": sweeps}
    return result


def swept_routed_sets(data: dict):
    """(router, threshold, our routed set, the swept record) of every swept point."""
    frame = data["frame"]
    for router, (column, keep_when) in SCORES.items():
        key = "threshold" if router == "confidence" else f"{router}_threshold"
        score = frame[column].to_numpy()
        for _, record in data["sweeps"][router].iterrows():
            kept = score >= record[key] if keep_when == ">=" else score <= record[key]
            yield router, record[key], ~kept, record


# --- AutoMix (automix-llm/automix: automix/main.py, automix/automix_methods.py) --------------

def automix_ibc_lift(slm_perf_column, llm_perf_column, to_retry, costs, verifier_cost):
    """Automix.compute_performance_cost, get_slm_llm_slope_perf and the ibc_lift of Automix.train."""
    slm_cost, llm_cost = costs
    total_cost = (~to_retry).sum() * (slm_cost) + to_retry.sum() * (llm_cost + slm_cost)
    performances = np.where(to_retry, llm_perf_column, slm_perf_column)
    avg_performance = performances.mean()
    avg_cost = total_cost / len(slm_perf_column)
    avg_cost += verifier_cost
    slm_perf, llm_perf = slm_perf_column.mean(), llm_perf_column.mean()
    slm_llm_slope = (llm_perf - slm_perf) / (llm_cost - slm_cost)
    automix_slm_slope = (avg_performance - slm_perf) / (avg_cost - slm_cost)
    return (automix_slm_slope - slm_llm_slope) / slm_llm_slope


def automix_threshold_run(score, threshold):
    """automix_methods.Threshold.run: route where the confidence is at or below the threshold."""
    return score <= threshold


def test_delta_ibc_automix_is_automix_ibc_lift_and_the_notebooks_is_it_with_free_slm_and_verifier(bundled):
    for data in bundled.values():
        slm, llm = rm.performance(data["frame"])
        for router, _, routed, record in swept_routed_sets(data):
            if routed.any() or CHARGE[router]:
                lift = automix_ibc_lift(slm, llm, routed, [SLM, LLM], CHARGE[router])
                assert 100 * lift == pytest.approx(record["delta_IBC_automix"], abs=1e-9, rel=0)
            if routed.any():
                lift = automix_ibc_lift(slm, llm, routed, [0.0, LLM], 0.0)
                assert 100 * lift == pytest.approx(record["delta_IBC"], abs=1e-9, rel=0)
    assert stated("AutoMix's `ibc_lift` × 100 with `costs=[slm, llm]`, `verifier_cost=v_r`: equal to 1e-9")
    assert stated("`ibc_lift` × 100 with `costs=[0, llm]` and `verifier_cost=0`: equal to 1e-9")


def test_automix_routes_at_or_below_the_threshold(bundled):
    differ, shares, swept = 0, [], 0
    for data in bundled.values():
        frame = data["frame"]
        for router, threshold, routed, _ in swept_routed_sets(data):
            swept += 1
            column, keep_when = SCORES[router]
            score = frame[column].to_numpy() if keep_when == ">=" else -frame[column].to_numpy()
            theirs = automix_threshold_run(score, threshold if keep_when == ">=" else -threshold)
            if (theirs != routed).any():
                differ += 1
                shares.append(100 * (theirs.mean() - routed.mean()))
    assert differ and min(shares) > 0
    assert stated(f"{differ} of the {swept} swept points")
    assert stated(f"{min(shares):.1f} to {max(shares):.1f} points more")


def test_the_minimum_routed_share_is_this_projects_rule(bundled):
    changed, total = [], 0
    for dataset, data in bundled.items():
        without = rr.dataset_metrics(data["frame"], 0.0, {"splits": 1}, {"resamples": 0})
        for name, entry in without["routers"].items():
            for metric in ("best_delta_IBC", "best_delta_IBC_automix"):
                total += 1
                ours = data["metrics"]["routers"][name]["metrics"][metric]["value"]
                if abs(entry["metrics"][metric]["value"] - ours) > 1e-9:
                    changed.append((dataset, name, metric, ours, entry["metrics"][metric]["value"]))
    assert stated(f"{len(changed)} of the {total} best values")
    qasper = {(name, metric): (ours, theirs) for dataset, name, metric, ours, theirs in changed
              if dataset == "qasper_short"}
    ours, theirs = qasper["logits", "best_delta_IBC"]
    assert stated(f"qasper_short's log-probability router: {ours:.1f} % with it, {theirs:.1f} % without")


def test_held_out_spread_uses_ddof_1_where_automix_uses_ddof_0(bundled):
    smaller, ratios = [], set()
    for data in bundled.values():
        for router in SCORES:
            for held in ("held_out_delta_IBC", "held_out_delta_IBC_automix"):
                values = np.array([v for v in data["metrics"]["routers"][router][held]["values"] if v is not None])
                ours = data["metrics"]["routers"][router][held]["std"]
                assert ours == pytest.approx(np.std(values, ddof=1), rel=1e-12)
                smaller.append(ours - np.std(values))  # AutoMix's scripts/paper_results.py: np.std(lifts)
                ratios.add(round(np.std(values) / ours, 3))
    assert ratios == {0.949}
    assert stated(f"{min(smaller):.1f} to {max(smaller):.1f} points smaller")


# --- RouteLLM (lm-sys/RouteLLM: routellm/evals/evaluate.py, benchmarks.py) --------------------

def routellm_metrics(strong_percentage, accuracy, weak_accuracy, strong_accuracy):
    """generate_results' pct_call_metric (CPT), auc_metric and apgr_metric on one method's points."""
    order = np.argsort(strong_percentage, kind="stable")
    strong_percentage, accuracy = np.asarray(strong_percentage)[order], np.asarray(accuracy)[order]
    pct_calls = [np.interp(pct * (strong_accuracy - weak_accuracy) + weak_accuracy, accuracy, strong_percentage)
                 for pct in [0.2, 0.5, 0.8]]
    auc = np.trapezoid(accuracy, strong_percentage / 100)
    weak_auc = np.trapezoid(np.full(len(strong_percentage), weak_accuracy), strong_percentage / 100)
    strong_auc = np.trapezoid(np.full(len(strong_percentage), strong_accuracy), strong_percentage / 100)
    return pct_calls, (auc - weak_auc) / (strong_auc - weak_auc)


def routellm_points(strong_win_rates, weak, strong, num_results=10):
    """MMLU.evaluate's thresholds: 10 equally sized bins of the router's score (pd.qcut); routes
    to the strong model where the score is at or above each."""
    _, thresholds = pd.qcut(strong_win_rates, num_results, retbins=True)
    for i, threshold in enumerate(thresholds):
        selection = strong_win_rates >= threshold if i != len(thresholds) - 1 else strong_win_rates > threshold
        yield selection.mean() * 100, np.where(selection, strong, weak).mean()


def test_apgr_is_routellms_and_cpt_differs_where_the_curve_is_not_monotone(bundled):
    cpt_differ, moves, count = 0, [], 0
    for data in bundled.values():
        frame = data["frame"]
        p_slm, p_llm = frame["perf_slm"].mean(), frame["perf_llm"].mean()
        for name, curve in data["curves"].items():
            cpts, apgr = routellm_metrics(100 * curve["share"].to_numpy(), curve["perf"].to_numpy(), p_slm, p_llm)
            published = data["metrics"]["routers"][name]["metrics"]
            assert apgr == pytest.approx(published["APGR"]["value"], abs=1e-13, rel=0)
            for level, theirs in zip((20, 50, 80), cpts):
                count += 1
                if abs(theirs / 100 - published[f"CPT_{level}"]["value"]) > 1e-9:
                    cpt_differ += 1
                    moves.append(abs(theirs - 100 * published[f"CPT_{level}"]["value"]))
    assert stated("`apgr_metric` on the same points: equal to 1e-13")
    assert stated(f"{cpt_differ} of the {count} CPT values differ, by {min(moves):.1f} to {max(moves):.1f} points")


def test_routellms_ten_quantile_bins_against_every_threshold(bundled):
    differences, failed = [], 0
    for data in bundled.values():
        frame = data["frame"]
        slm, llm = rm.performance(frame)
        for router, (column, keep_when) in SCORES.items():
            rates = -frame[column].to_numpy() if keep_when == ">=" else frame[column].to_numpy()
            try:
                points = sorted(routellm_points(rates, slm, llm))
            except ValueError as error:  # pd.qcut on a score of a few values
                assert "Bin edges must be unique" in str(error)
                failed += 1
                continue
            share, perf = map(np.array, zip(*points))
            _, apgr = routellm_metrics(share, perf, slm.mean(), llm.mean())
            differences.append(apgr - data["metrics"]["routers"][router]["metrics"]["APGR"]["value"])
    assert failed == len(bundled)  # self-verification on every dataset
    assert stated(f"APGR on those 11 points differs from ours by {min(differences):.3f} to {max(differences):.3f}")


# --- RouterBench (withmartian/routerbench: evaluation/AIQ.py) ---------------------------------

def routerbench_hull(points: np.ndarray):
    """get_non_descreasing_convex_hull_of."""
    convex_hull_points = points
    convex_hull_points = convex_hull_points[convex_hull_points[:, 0].argsort()]
    new_convex_hull_points = []
    for i in range(len(convex_hull_points)):
        for j in range(i, len(convex_hull_points)):
            x1, y1 = convex_hull_points[i]
            x2, y2 = convex_hull_points[j]
            for k in range(len(convex_hull_points)):
                x, y = convex_hull_points[k]
                if x1 < x < x2:
                    interpolated_y_value = np.interp(x, [x1, x2], [y1, y2])
                    if y < interpolated_y_value:
                        if x not in [mx for mx, _ in new_convex_hull_points]:
                            new_convex_hull_points.append([x, interpolated_y_value])
                        else:
                            for l in range(len(new_convex_hull_points)):  # noqa: E741 (as in AIQ.py)
                                x_new, y_new = new_convex_hull_points[l]
                                if x_new == x and y_new < interpolated_y_value:
                                    new_convex_hull_points[l] = [x, interpolated_y_value]
                                    break
                                elif x_new == x and y_new > interpolated_y_value:
                                    new_convex_hull_points[l] = [x, y_new]
                    if y >= interpolated_y_value:
                        if x not in [mx for mx, _ in new_convex_hull_points]:
                            new_convex_hull_points.append([x, y])
                        else:
                            for l in range(len(new_convex_hull_points)):  # noqa: E741
                                x_new, y_new = new_convex_hull_points[l]
                                if x_new == x and y_new < y:
                                    new_convex_hull_points[l] = [x, y]
                                    break
                                elif x_new == x and y_new > y:
                                    new_convex_hull_points[l] = [x, y_new]
    if convex_hull_points[-1][0] not in [mx for mx, _ in new_convex_hull_points]:
        if convex_hull_points[-1][1] >= new_convex_hull_points[-1][1]:
            new_convex_hull_points.append(convex_hull_points[-1])
    if convex_hull_points[0][0] not in [mx for mx, _ in new_convex_hull_points]:
        new_convex_hull_points = [convex_hull_points[0]] + new_convex_hull_points
    new_convex_hull_points = np.array(new_convex_hull_points)
    convex_hull_points = new_convex_hull_points
    convex_hull_points = convex_hull_points[convex_hull_points[:, 0].argsort()]
    points_to_remove = []
    for i in range(1, len(convex_hull_points)):
        if convex_hull_points[i][1] < convex_hull_points[i - 1][1]:
            points_to_remove.append(i)
    convex_hull_points = np.delete(convex_hull_points, points_to_remove, axis=0)
    return convex_hull_points


def routerbench_calc_aiq(ndch_list):
    """calc_AIQ from its hulls on: each extended flat to the largest x of all, its area over
    that x."""
    max_x_value = max([np.max(ndch[:, 0]) for ndch in ndch_list])
    ndch_list = [np.vstack((ndch, np.array([max_x_value, ndch[-1, 1]]))) for ndch in ndch_list]
    return [np.trapezoid(ndch[:, 1], ndch[:, 0]) / max_x_value for ndch in ndch_list]


def test_aiq_is_routerbenchs_on_routed_share_and_scaled_on_the_cost_axis(bundled):
    alone = []
    for data in bundled.values():
        hulls, ours = [], []
        for curve in data["curves"].values():
            # their hull takes O(n^4) steps: 25 points of each curve (1000 take hours)
            rows = np.unique(np.linspace(0, len(curve) - 1, 25).round().astype(int))
            share, perf = curve["share"].to_numpy()[rows], curve["perf"].to_numpy()[rows]
            hulls.append(routerbench_hull(np.column_stack([share, perf])))
            x, y = rm.nondecreasing_hull(share, perf)
            ours.append(np.trapezoid(y, x))
            alone.append(routerbench_calc_aiq([hulls[-1]])[0] - ours[-1])
        # a dataset's four curves passed together, as RouterBench passes its routers
        np.testing.assert_allclose(routerbench_calc_aiq(hulls), ours, rtol=0, atol=1e-12)
    assert stated("equal to 1e-12 on 25 points of each of the 16 curves")
    assert stated(f"passed alone, up to {-min(alone):.3f} lower")
    for charged, expected in ((False, "calc_AIQ gives 0.800 times ours"), (True, "0.800 to 0.996 times ours")):
        ratios = []
        for data in bundled.values():
            hulls = []
            for name, curve in data["curves"].items():
                x, y = rm.nondecreasing_hull(curve["share"].to_numpy(), curve["perf"].to_numpy())
                keep = SLM + (CHARGE[name] if charged else VERIFIER)
                hulls.append(np.column_stack([keep + x * LLM, y]))
            for name, aiq in zip(data["curves"], routerbench_calc_aiq(hulls)):
                ratios.append(aiq / data["metrics"]["routers"][name]["metrics"]["AIQ"]["value"])
        low, high = min(ratios), max(ratios)
        text = f"calc_AIQ gives {low:.3f} times ours" if round(low, 3) == round(high, 3) else \
            f"{low:.3f} to {high:.3f} times ours"
        assert text == expected and stated(text)


# --- rliable (google-research/rliable: rliable/library.py) -------------------------------------

def test_bootstrap_intervals_move_little_with_five_times_the_resamples(bundled):
    """rliable's default is 50,000 resamples; ours 1,000. With 5,000 (a test's time), each 95 %
    interval's endpoints move by a share of its width."""
    moves = {"APGR": [], "best_delta_IBC_automix": []}
    for data in bundled.values():
        many = rr.bootstrap_metrics(data["frame"], 0.05, 5000, 0)
        for name in data["curves"]:
            for metric, shares in moves.items():
                low, high = rr._interval(many["curves"][name][metric])
                published = data["metrics"]["routers"][name]["metrics"][metric]
                width = published["ci_high"] - published["ci_low"]
                shares.append(max(abs(low - published["ci_low"]), abs(high - published["ci_high"])) / width)
    assert stated(f"at most {100 * max(moves['APGR']):.0f} % (APGR) to "
                  f"{100 * max(moves['best_delta_IBC_automix']):.0f} % (best ΔIBC_automix) of the interval's width")
    assert all(data["metrics"]["resamples_without_baseline"] == 0 for data in bundled.values())
