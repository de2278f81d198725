"""AutoMix's delta_IBC (the verifier charged) and the verifier break-even cost.

First the committed artifacts against the definitions, computed here naively from the raw
router files (gzip and json, a loop over thresholds, no project code): every swept point's
delta_IBC_automix, every best_delta_IBC_automix and every verifier_break_even_cost, to 1e-9.
Then what the definitions mean, on hand-made and bundled data: the held-out choice by
AutoMix's delta_IBC, a router that pays no verifier, the break-even cost as the verifier cost
where the best delta_IBC_automix crosses 0, and costs that leave AutoMix's baseline undefined.
(AutoMix's own code on the same routed sets: tests/test_routing_reference.py.)
"""

import csv
import gzip
import json
import math

import numpy as np
import pytest
import yaml
from conftest import REPO

DATASETS = ("cnli_short", "coqa_short", "narrative_qa_short", "qasper_short")
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())["routing"]
SLM, LLM, VERIFIER = (float(CONFIG["costs"][part]) for part in ("slm", "llm", "verifier"))
#: router -> (score, keep rule), as the routers are defined (docs/artifacts.md)
SCORES = {"logits": ("avg_logp", ">="), "entropy": ("avg_entropy_nats", "<="), "confidence": ("slm_confidence", ">=")}


def raw(dataset: str) -> dict[str, np.ndarray]:
    """The two JSON Lines files of a dataset, merged by row position."""
    def lines(path):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    logits = lines(REPO / f"data/automix/logits_entropy/{dataset}_answerlogits.jsonl.gz")
    router = lines(REPO / f"data/automix/router_data/router_data_{dataset}.jsonl.gz")
    assert len(logits) == len(router)
    columns = {"avg_logp": logits, "avg_entropy_nats": logits, "slm_confidence": router, "perf_slm": router,
               "perf_llm": router}
    return {column: np.array([float(row[column]) for row in rows]) for column, rows in columns.items()}


def charge(router: str) -> float:
    return VERIFIER if router in CONFIG["verifier_routers"] else 0.0


def point(data: dict, routed: np.ndarray) -> tuple[float, float]:
    """(routed share, mean performance) of routing ``routed``."""
    return routed.sum() / len(routed), float(np.mean(np.where(routed, data["perf_llm"], data["perf_slm"])))


def delta_ibc_automix(data: dict, share: float, perf: float, verifier: float) -> float:
    """100 (IBC_automix - base) / base: a query costs slm + verifier + s llm, against the large
    model alone."""
    p_slm, p_llm = np.mean(data["perf_slm"]), np.mean(data["perf_llm"])
    extra = (SLM + verifier + share * LLM) - SLM
    if extra == 0:
        return math.nan
    ibc, base = (perf - p_slm) / extra, (p_llm - p_slm) / (LLM - SLM)
    return 100 * (ibc - base) / base


def break_even(data: dict, share: float, perf: float) -> float:
    p_slm, p_llm = np.mean(data["perf_slm"]), np.mean(data["perf_llm"])
    return (perf - p_slm) * (LLM - SLM) / (p_llm - p_slm) - share * LLM


def routed_at(data: dict, router: str, threshold) -> np.ndarray:
    """The router's keep rule; threshold None routes every query."""
    column, keep_when = SCORES[router]
    if threshold is None:
        return np.ones(len(data[column]), dtype=bool)
    kept = data[column] >= threshold if keep_when == ">=" else data[column] <= threshold
    return ~kept


def curve(data: dict, name: str) -> list[tuple[float, float]]:
    """Every operating point: a router's at each distinct score and routing everything; the
    oracle's routing the k queries of the largest gain, k = 0 .. n."""
    if name != "oracle":
        return [point(data, routed_at(data, name, t)) for t in [*np.unique(data[SCORES[name][0]]), None]]
    gain = sorted(data["perf_llm"] - data["perf_slm"], reverse=True)
    n, slm_total = len(gain), float(np.sum(data["perf_slm"]))
    return [(k / n, (slm_total + sum(gain[:k])) / n) for k in range(n + 1)]


def metrics_csv() -> dict[tuple[str, str, str], dict]:
    with open(REPO / "results/routing/metrics.csv", newline="") as handle:
        return {(row["dataset"], row["router"], row["metric"]): row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("router", SCORES)
def test_every_swept_point_has_the_defined_delta_ibc_automix(dataset, router):
    data = raw(dataset)
    column = SCORES[router][0]
    thresholds = (CONFIG["confidence_thresholds"] if router == "confidence" else
                  np.linspace(data[column].min(), data[column].max(), CONFIG["thresholds"]["count"] + 2)[1:-1])
    records = json.loads((REPO / f"results/routing/datasets/{dataset}/{router}_sweep.json").read_text())
    key = "threshold" if router == "confidence" else f"{router}_threshold"
    assert len(records) == len(thresholds)
    for record, threshold in zip(records, thresholds):
        assert record[key] == pytest.approx(threshold, abs=1e-12)
        share, perf = point(data, routed_at(data, router, threshold))
        expected = delta_ibc_automix(data, share, perf, charge(router))
        if math.isnan(expected):
            assert record["delta_IBC_automix"] is None
        else:
            assert record["delta_IBC_automix"] == pytest.approx(expected, abs=1e-9, rel=0), threshold
            assert record["IBC_automix"] == pytest.approx(
                (perf - np.mean(data["perf_slm"])) / (charge(router) + share * LLM), abs=1e-9, rel=0)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_best_delta_ibc_automix_and_break_even_cost_is_the_defined_maximum(dataset):
    data, published = raw(dataset), metrics_csv()
    for name in [*SCORES, "oracle"]:
        verifier = 0.0 if name == "oracle" else charge(name)
        eligible = [(s, p) for s, p in curve(data, name) if s >= CONFIG["min_routed_share"]]
        deltas = [delta_ibc_automix(data, s, p, verifier) for s, p in eligible]
        best = max(d for d in deltas if not math.isnan(d))
        cost = max(break_even(data, s, p) for s, p in eligible if s > 0)
        assert float(published[dataset, name, "best_delta_IBC_automix"]["value"]) == pytest.approx(
            best, abs=1e-9, rel=0), name
        assert float(published[dataset, name, "verifier_break_even_cost"]["value"]) == pytest.approx(
            cost, abs=1e-9, rel=0), name
        # the break-even cost is the verifier cost at which the best crosses 0
        for verifier, sign in ((cost - 1e-6, 1), (cost + 1e-6, -1)):
            crossing = max(delta_ibc_automix(data, s, p, verifier) for s, p in eligible if s > 0)
            assert sign * crossing > 0, (name, verifier)


def test_metrics_csv_has_the_new_rows_with_intervals_and_held_out_statistics():
    published = metrics_csv()
    for dataset in DATASETS:
        for name in [*SCORES, "oracle"]:
            for metric in ("best_delta_IBC_automix", "verifier_break_even_cost"):
                row = published[dataset, name, metric]
                assert float(row["ci_low"]) <= float(row["value"]) <= float(row["ci_high"]), (dataset, name, metric)
            held = published[dataset, name, "held_out_delta_IBC_automix_n_defined"]
            assert float(held["value"]) == (0 if name == "oracle" else CONFIG["holdout"]["splits"])


# --- what the definitions mean ----------------------------------------------------------------

def test_the_held_out_choice_follows_automix_delta_ibc_not_the_notebook():
    from llmcost import routing_resampling as rr
    from llmcost.routing_model import Costs
    from test_routing_metrics import calibration_and_test

    # Calibration: P_slm 0.5, P_llm 1. Routing the lowest avg_logp (s = 0.25, p 0.75) and the two
    # lowest (s = 0.5, p 1) tie on the notebook's delta_IBC (100 %): it takes s = 0.25, threshold
    # 0.2. Charged a verifier of 4, AutoMix's IBC is 0.25 / (4 + 5) at s = 0.25 against
    # 0.5 / (4 + 10) at s = 0.5 (base 0.5 / 19): +5.6 % and +35.7 %, so it takes s = 0.5, keeping
    # avg_logp >= 0.8. On the test rows that keeps 0.95 only: s = 0.75, p = 1, IBC 0.5 / (4 + 15)
    # equals the base: 0 %.
    frame = calibration_and_test([(0.95, 1.0, 1.0), (0.2, 0.0, 1.0), (0.15, 0.0, 1.0), (0.5, 1.0, 1.0)])
    calibration, test = np.arange(4), np.arange(4, 8)
    notebook = rr.held_out_split(frame, "logits", calibration, test, 0.05)
    automix = rr.held_out_split(frame, "logits", calibration, test, 0.05, automix=(Costs(1.0, 20.0, 4.0), 4.0))
    assert notebook["threshold"] == 0.2 and notebook["delta_IBC"] == pytest.approx(100.0, abs=1e-12)
    assert automix["threshold"] == 0.8 and automix["delta_IBC"] == pytest.approx(0.0, abs=1e-12)
    # routing nothing on test rows while paying the verifier: 0 gained for 4 paid, -100 %
    everything_kept = calibration_and_test([(0.95, 1.0, 1.0), (0.9, 0.0, 1.0), (0.85, 0.0, 1.0), (0.99, 1.0, 1.0)])
    split = rr.held_out_split(everything_kept, "logits", calibration, test, 0.05,
                              automix=(Costs(1.0, 20.0, 4.0), 4.0))
    assert split["delta_IBC"] == pytest.approx(-100.0, abs=1e-12)


def test_without_a_verifier_automix_only_changes_the_baseline():
    """Paying no verifier, IBC_automix / base = PGR (llm - slm) / (s llm): the notebook's
    1 + delta_IBC / 100 times (llm - slm) / llm, at every point, so at the same best point."""
    published = metrics_csv()
    for dataset in DATASETS:
        for name in ("logits", "entropy", "oracle"):
            notebook = float(published[dataset, name, "best_delta_IBC"]["value"])
            automix = float(published[dataset, name, "best_delta_IBC_automix"]["value"])
            assert automix == pytest.approx(100 * ((1 + notebook / 100) * (LLM - SLM) / LLM - 1), abs=1e-9)


def test_verifier_routers_decides_who_pays():
    from llmcost import routing_resampling as rr
    from test_routing_metrics import load

    frame = load("qasper_short")
    metrics = {routers: rr.dataset_metrics(frame, 0.05, {"splits": 2}, {"resamples": 0}, verifier_routers=routers)
               for routers in (("confidence",), ())}
    charged, free = (metrics[routers]["routers"]["confidence"] for routers in (("confidence",), ()))
    assert (charged["verifier_charge"], free["verifier_charge"]) == (VERIFIER, 0.0)
    assert metrics[()]["verifier_routers"] == [] and metrics[("confidence",)]["verifier_routers"] == ["confidence"]
    best = free["metrics"]["best_delta_IBC"]["value"]
    assert free["metrics"]["best_delta_IBC_automix"]["value"] == pytest.approx(
        100 * ((1 + best / 100) * (LLM - SLM) / LLM - 1), abs=1e-9)
    assert charged["metrics"]["best_delta_IBC_automix"]["value"] < free["metrics"]["best_delta_IBC_automix"]["value"]
    # the break-even cost does not depend on who pays: it is the verifier cost that would
    assert charged["metrics"]["verifier_break_even_cost"]["value"] == free["metrics"]["verifier_break_even_cost"]["value"]
    # the notebook's numbers do not depend on it either
    assert charged["metrics"]["best_delta_IBC"] == free["metrics"]["best_delta_IBC"]


def test_a_large_model_no_dearer_than_the_small_one_leaves_automix_undefined_and_says_why():
    from llmcost import routing, routing_tables
    from llmcost import routing_resampling as rr
    from llmcost.outputs import to_jsonable
    from llmcost.report_html import HTML
    from llmcost.routing_model import Costs
    from test_routing_metrics import load

    frame, costs = load("cnli_short"), Costs(2.0, 1.0, 4.0)  # llm 1 <= slm 2
    result = to_jsonable(rr.dataset_metrics(frame, 0.05, {"splits": 2}, {"resamples": 5}, costs))
    default = to_jsonable(rr.dataset_metrics(frame, 0.05, {"splits": 2}, {"resamples": 5}))
    assert result["has_baseline"] and not result["has_automix_baseline"]
    assert "routing.costs.llm (1) is not above routing.costs.slm (2)" in result["automix_why"]
    for name, entry in result["routers"].items():
        for metric in ("best_delta_IBC_automix", "verifier_break_even_cost"):
            assert entry["metrics"][metric] == {"value": None, "ci_low": None, "ci_high": None}, (name, metric)
        assert entry["metrics"]["best_delta_IBC"] == default["routers"][name]["metrics"]["best_delta_IBC"]
    table = routing_tables.routing_automix_table({"cnli_short": result})
    assert "No AutoMix baseline: llm is not above slm." in table
    frame_cells, notes = routing_tables.routing_automix_frame({"cnli_short": result}, HTML)
    assert "No AutoMix baseline: llm is not above slm." in " ".join(notes)
    swept = routing.sweeps(frame, costs, 9, "linear", [0.25, 0.5, 0.75])
    assert all(points["delta_IBC_automix"].isna().all() for points in swept.values())
    summary = routing.dataset_summary("cnli_short", frame, {"rows": len(frame)}, costs, swept, 0.05)
    assert "is not above routing.costs.slm" in summary["no_automix_baseline"]
    text = routing_tables.routing_table(routing.combine_summaries([summary]))
    assert r"$^\P$ No AutoMix baseline for cnli\_short" in text  # the section sign marks no swept best
