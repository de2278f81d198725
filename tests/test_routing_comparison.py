"""The routers compared pair by pair: paired bootstrap differences, verdicts, the mean over datasets.

The bundled data against an independent recomputation from the documented
resamples: a loop over resamples b, each drawing its rows with
``default_rng([seed, 0, b]).integers(0, n, size=n)``, every metric by the
naive implementation of test_routing_metrics.py on the drawn rows, the random
router by its closed forms. Then the verdict rule, the undefined cases, the
published artifacts, ``make changes`` on a flipped verdict, and the
simulation of the false-positive rate on a small scale.
"""

import copy
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from test_routing_metrics import load, naive_metrics, naive_router_points

from llmcost import routing_comparison as rc
from llmcost import routing_resampling as rr
from llmcost.changes import compare
from llmcost.numbers import quoted
from llmcost.outputs import read_csv, to_jsonable
from llmcost.routing_model import DEFAULT_COSTS
from llmcost.statements import Sources, statements

sys.path.insert(0, str(REPO / "benchmarks"))
import sim_router_comparison as sim  # noqa: E402

RESAMPLES = 40
SHARE = 0.05


def compared(frame: pd.DataFrame, resamples: int = RESAMPLES, verifier_routers=("confidence",)) -> dict:
    resampled = rr.bootstrap_metrics(frame, SHARE, resamples, 0, DEFAULT_COSTS, verifier_routers)
    metrics = rr.dataset_metrics(frame, SHARE, {"splits": 0}, {"resamples": resamples, "seed": 0}, DEFAULT_COSTS,
                                 verifier_routers, resampled)
    return to_jsonable(rc.dataset_comparison(metrics, resampled, DEFAULT_COSTS))


def naive_values(frame: pd.DataFrame) -> dict:
    """Every router's four metrics on ``frame``: the routers' by the naive implementation, the
    random router's by its closed forms (the diagonal, no verifier)."""
    p_slm, p_llm = frame["perf_slm"].mean(), frame["perf_llm"].mean()
    values = {}
    for router in ("logits", "entropy", "confidence"):
        s, p = naive_router_points(frame, router)[:2]
        values[router] = naive_metrics(s, p, p_slm, p_llm, SHARE, 4.0 if router == "confidence" else 0.0)
    values["random"] = {"APGR": 0.5, "AIQ": (p_slm + p_llm) / 2 if p_llm >= p_slm else p_slm,
                        "best_delta_IBC": 0.0, "best_delta_IBC_automix": -100 * 1.0 / 20.0}
    return values


def naive_differences(frame: pd.DataFrame, resamples: int) -> dict:
    """(difference on the data, differences per resample) of every pair and metric."""
    n = len(frame)
    data = naive_values(frame)
    drawn = [naive_values(frame.iloc[np.random.default_rng([0, 0, b]).integers(0, n, size=n)])
             for b in range(resamples)]
    return {(a, b, metric): (data[a][metric] - data[b][metric],
                             np.array([values[a][metric] - values[b][metric] for values in drawn]))
            for a, b in rc.PAIRS for metric in rc.METRICS}


def naive_basic(value: float, resampled: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(resampled, [2.5, 97.5])
    return 2 * value - high, 2 * value - low


def tolerance(metric: str) -> float:
    return 1e-9 if "delta_IBC" in metric else 1e-12


@pytest.fixture(scope="module")
def bundled_two():
    return {dataset: load(dataset) for dataset in ("coqa_short", "narrative_qa_short")}


def test_paired_intervals_equal_a_naive_recomputation_from_the_documented_resamples(bundled_two):
    results, naive = {}, {}
    for dataset, frame in bundled_two.items():
        results[dataset] = compared(frame)
        naive[dataset] = naive_differences(frame, RESAMPLES)
        for (a, b, metric), (value, resampled) in naive[dataset].items():
            c = results[dataset][rc.pair_key(a, b)][metric]
            tol = tolerance(metric)
            assert c["difference"] == pytest.approx(value, abs=tol, rel=0), (dataset, a, b, metric)
            np.testing.assert_allclose(c["resampled"], resampled, rtol=0, atol=tol)
            low, high = naive_basic(value, resampled)
            assert (c["ci_low"], c["ci_high"]) == (pytest.approx(low, abs=tol), pytest.approx(high, abs=tol))
    # across datasets: resample b's mean draws each dataset's own resample b
    combined = rc.across_datasets(results)
    for a, b in rc.PAIRS:
        for metric in rc.METRICS:
            value = np.mean([naive[d][(a, b, metric)][0] for d in bundled_two])
            resampled = np.mean([naive[d][(a, b, metric)][1] for d in bundled_two], axis=0)
            c = combined[rc.pair_key(a, b)][metric]
            low, high = naive_basic(value, resampled)
            tol = tolerance(metric)
            assert c["difference"] == pytest.approx(value, abs=tol, rel=0)
            assert (c["ci_low"], c["ci_high"]) == (pytest.approx(low, abs=tol), pytest.approx(high, abs=tol))
            expected = (rc.UNDEFINED if metric in rc.NO_VERDICT_ACROSS else f"{a} better" if low > 0
                        else f"{b} better" if high < 0 else rc.NOT_DISTINGUISHABLE)
            assert c["verdict"] == expected


def test_the_random_router_is_the_diagonal():
    got = rc.random_router_metrics([0.3, 0.6, 0.5], [0.5, 0.4, 0.5], [True, False, False], SHARE, DEFAULT_COSTS)
    np.testing.assert_allclose(got["APGR"], [0.5, np.nan, np.nan])
    np.testing.assert_allclose(got["AIQ"], [0.4, 0.6, 0.5])  # (P_slm + P_llm) / 2; P_slm where P_llm is lower
    np.testing.assert_allclose(got["best_delta_IBC"], [0.0, np.nan, np.nan], atol=1e-12)
    np.testing.assert_allclose(got["best_delta_IBC_automix"], [-5.0, np.nan, np.nan])  # -100 slm / llm


@pytest.mark.parametrize("low, high, expected", [(0.1, 0.3, "logits better"), (-0.3, -0.1, "entropy better"),
                                                 (-0.1, 0.2, "not distinguishable"), (0.0, 0.2, "not distinguishable"),
                                                 (-0.2, 0.0, "not distinguishable"), (math.nan, math.nan, "undefined")])
def test_a_verdict_only_where_the_interval_excludes_zero(low, high, expected):
    assert rc.verdict("logits", "entropy", low, high) == expected


def test_the_basic_interval_reflects_the_percentiles_about_the_estimate():
    resampled = np.array([1.0, 2.0, 3.0, 4.0, 5.0, math.nan])
    low, high = rc.basic_interval(2.0, resampled)
    assert (low, high) == (pytest.approx(4.0 - 4.9), pytest.approx(4.0 - 1.1))  # percentiles 1.1 and 4.9
    assert all(math.isnan(v) for v in rc.basic_interval(math.nan, resampled))
    assert all(math.isnan(v) for v in rc.basic_interval(1.0, np.array([math.nan])))
    assert all(math.isnan(v) for v in rc.basic_interval(1.0, np.zeros(0)))


def test_without_a_baseline_only_aiq_is_compared_and_the_others_say_why():
    frame = load("cnli_short").iloc[:60]
    frame = frame.assign(perf_slm=frame["perf_llm"], perf_llm=frame["perf_slm"])  # the large model is worse
    result = compared(frame, resamples=10)
    for pair, metrics in result.items():
        assert metrics["AIQ"]["difference"] is not None
        for metric in ("APGR", "best_delta_IBC", "best_delta_IBC_automix"):
            assert metrics[metric]["difference"] is None and metrics[metric]["verdict"] == "undefined", pair
            assert metrics[metric]["note"].startswith("no baseline: "), metrics[metric]["note"]


def test_without_resamples_the_differences_stand_without_intervals_or_verdicts():
    result = compared(load("cnli_short").iloc[:80], resamples=0)
    for metrics in result.values():
        for c in metrics.values():
            assert c["difference"] is not None and c["ci_low"] is None and c["verdict"] == "undefined"
            assert "routing.bootstrap.resamples is 0" in c["note"]
    combined = rc.across_datasets({"a": result})
    assert combined["logits_vs_random"]["APGR"]["verdict"] == "undefined"
    assert combined["logits_vs_random"]["APGR"]["difference"] == result["logits_vs_random"]["APGR"]["difference"]


def test_a_router_missing_from_the_results_leaves_its_pairs_undefined():
    frame = load("cnli_short").iloc[:80]
    resampled = rr.bootstrap_metrics(frame, SHARE, 5, 0)
    metrics = rr.dataset_metrics(frame, SHARE, {"splits": 0}, {"resamples": 5}, resampled=resampled)
    del metrics["routers"]["confidence"], resampled["curves"]["confidence"]
    result = rc.dataset_comparison(metrics, resampled, DEFAULT_COSTS)
    for pair, entry in result.items():
        for c in entry.values():
            if "confidence" in pair:
                assert math.isnan(c["difference"]) and c["note"] == "no confidence router in the data"
            else:
                assert not math.isnan(c["difference"])


def test_no_routing_data_gives_undefined_means_and_empty_numbers():
    combined = rc.across_datasets({})
    assert all(c["verdict"] == "undefined" and c["note"] == "no routing dataset"
               for entry in combined.values() for c in entry.values())
    frame = rc.comparison_frame({}, combined)
    assert set(frame["dataset"]) == {"all"} and frame["difference"].isna().all()
    numbers = rc.comparison_numbers(frame)
    assert numbers["all"]["logits_vs_entropy"]["datasets_count"] == 0
    assert rc.statement_verdicts({}) == {}


def test_the_mean_over_datasets_counts_only_the_datasets_with_a_difference():
    defined = compared(load("cnli_short").iloc[:200], resamples=10)
    swapped = load("coqa_short").iloc[:60]
    swapped = swapped.assign(perf_slm=swapped["perf_llm"], perf_llm=swapped["perf_slm"])
    undefined = compared(swapped, resamples=10)
    by_dataset = {"a": defined, "b": undefined}
    frame = rc.comparison_frame(by_dataset, rc.across_datasets(by_dataset))
    numbers = rc.comparison_numbers(frame)["all"]["logits_vs_random"]
    assert numbers["datasets_count"] == 1 and numbers["apgr_difference"] == defined["logits_vs_random"]["APGR"][
        "difference"]
    assert numbers["aiq_better_count"] is None  # no verdicts on AIQ, so none to count
    assert numbers["apgr_better_count"] + numbers["apgr_worse_count"] <= 1


# --- the published artifacts ------------------------------------------------------------------

def test_the_bundled_comparison_is_published_with_its_table_figure_numbers_and_statements():
    frame = read_csv(REPO / "results/routing/comparison.csv")
    assert list(frame.columns) == rc.COLUMNS
    datasets = ["cnli_short", "coqa_short", "narrative_qa_short", "qasper_short"]
    assert list(dict.fromkeys(frame["dataset"])) == [*datasets, "all"]
    assert len(frame) == 5 * len(rc.PAIRS) * len(rc.METRICS)
    assert frame["difference"].notna().all() and frame["ci_low"].notna().all()
    for name in ("tables/routing_comparison.tex", "figures/routing_comparison.pdf", "figures/routing_comparison.png"):
        assert (REPO / "results" / name).stat().st_size > 0
    numbers = json.loads((REPO / "results/numbers.json").read_text())
    section = numbers["routing_comparison"]
    assert list(section) == [*datasets, "all"]
    assert numbers["routing"]["cnli_short"]["logits"]["apgr"] - numbers["routing"]["cnli_short"]["entropy"]["apgr"] \
        == pytest.approx(section["cnli_short"]["logits_vs_entropy"]["apgr_difference"], abs=1e-12)
    said = numbers["statements"]["router_comparison"]
    for row in frame.itertuples(index=False):
        assert said[row.dataset][f"{row.router_a}_vs_{row.router_b}"][rc.METRICS[row.metric][0]] == row.verdict
    assert numbers["intervals"]["routing_comparison"]["all"]["logits_vs_random"]["apgr_difference"]["kind"] \
        == "interval"


def test_make_changes_reports_a_flipped_router_verdict():
    base = json.loads((REPO / "results/numbers.json").read_text())
    new = copy.deepcopy(base)
    entry = new["routing_comparison"]["all"]["logits_vs_entropy"]
    entry["apgr_difference_ci_low"], entry["apgr_difference_ci_high"] = 0.001, 0.01  # now above 0
    new["statements"] = statements(Sources(quoted(new)))
    flips = [flip for flip in compare(base, new).flips if flip.kind == "router_comparison"]
    assert [(flip.path, flip.old, flip.new) for flip in flips] == [
        (("all", "logits_vs_entropy", "apgr"), "not distinguishable", "logits better")]


# --- the simulation of the false-positive rate ------------------------------------------------

def test_the_simulation_shuffles_scores_only_and_counts_every_comparison():
    frame = load("cnli_short").iloc[:120].reset_index(drop=True)
    null = sim.null_dataset(frame, 3)
    for column in ("avg_logp", "avg_entropy_nats", "slm_confidence"):
        assert sorted(null[column]) == sorted(frame[column]) and not null[column].equals(frame[column])
    assert null[["perf_slm", "perf_llm"]].equals(frame[["perf_slm", "perf_llm"]])
    counts = sim.simulate([frame, frame.iloc[:100]], datasets=4, resamples=8, min_routed_share=SHARE,
                          costs=DEFAULT_COSTS)
    per_dataset = {key: n for key, (k, n) in counts.items() if key[0] == "dataset"}
    per_group = {key: n for key, (k, n) in counts.items() if key[0] == "all"}
    assert set(per_dataset.values()) == {4} and set(per_group.values()) == {2}  # 4 datasets, 2 groups of 2
    assert len(per_dataset) == len(rc.PAIRS) * len(rc.METRICS) * 2
    assert all(0 <= k <= n for k, n in counts.values())
    low, high = sim.wilson(5, 200)
    assert low < 5 / 200 < high and low == pytest.approx(0.0107, abs=1e-4) and high == pytest.approx(0.0572, abs=1e-4)
