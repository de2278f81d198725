"""Unit and property tests of the routing sweep, exact curves, IBC, oracle and table."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from llmcost import routing, routing_tables
from llmcost.errors import InputError
from llmcost.notebook_router import sweep_row_loop

COSTS = routing.Costs(slm=1.0, llm=20.0, verifier=4.0)


def random_queries(seed: int, n: int = 300) -> pd.DataFrame:
    """Queries with tied scores (rounded) and perf in [0, 1], like the real data."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "avg_logp": np.round(-rng.gamma(1.0, 0.3, n), 2),
        "avg_entropy_nats": np.round(rng.gamma(1.5, 0.4, n), 2),
        "slm_confidence": rng.choice([0.0, 0.25, 0.5, 0.75], n),
        "perf_slm": rng.choice([0.0, 1.0], n, p=[0.5, 0.5]) * rng.uniform(0.5, 1, n),
        "perf_llm": rng.choice([0.0, 1.0], n, p=[0.35, 0.65]) * rng.uniform(0.5, 1, n),
    })


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("router", routing.ROUTERS)
def test_sweep_equals_the_notebook_row_loop(seed, router):
    frame = random_queries(seed, n=120)
    column = routing.ROUTERS[router][0]
    values = routing.thresholds(frame[column].to_numpy(), 9) if router != "confidence" else [0.25, 0.5, 0.75]
    ours = routing.sweep(frame, router, values, COSTS)
    loop = pd.DataFrame(sweep_row_loop(frame, router, values, COSTS.keep, COSTS.route))
    for field in routing.NOTEBOOK_COLUMNS:
        np.testing.assert_allclose(ours[field], loop[field], rtol=1e-12, atol=1e-12, err_msg=field)


@pytest.mark.parametrize("seed", range(3))
def test_the_notebooks_ibc_has_the_same_bits_whatever_the_verifier_costs(seed):
    """The verifier is paid on every query whether the answer is kept or routed, so it cancels
    from the notebook's IBC and delta_IBC exactly, not up to rounding (before: avg_cost - keep
    and route - keep moved the last bits, and `make changes` reported "110.728 -> 110.728")."""
    frame = random_queries(seed, n=257)
    def notebook(verifier):
        costs = routing.Costs(slm=1.0, llm=20.0, verifier=verifier)
        swept = routing.sweeps(frame, costs, 25, "linear", [0.25, 0.5, 0.75])
        curve = routing.exact_curves(frame, costs)
        oracle = routing.oracle(frame, costs)
        return ({router: swept[router][["IBC", "delta_IBC"]].to_numpy() for router in swept},
                routing.baseline(frame, costs).ibc_base, oracle["IBC"], oracle["delta_IBC"], curve["lm2_ratio"])
    reference = notebook(4.0)
    for verifier in (0.0, 0.1, 0.3, 1 / 3, 7.7, 1e6):
        other = notebook(verifier)
        for router, values in reference[0].items():
            assert values.tobytes() == other[0][router].tobytes(), (router, verifier)
        assert reference[1:4] == other[1:4], verifier


def test_sweep_records_name_thresholds_as_the_notebook():
    frame = random_queries(0)
    logits = routing.records(routing.sweep(frame, "logits", [-0.3], COSTS))[0]
    entropy = routing.records(routing.sweep(frame, "entropy", [0.5], COSTS))[0]
    confidence = routing.records(routing.sweep(frame, "confidence", [0.5], COSTS))[0]
    assert list(logits)[:3] == ["logits_threshold", "entropy_threshold", "total"]
    assert (logits["logits_threshold"], logits["entropy_threshold"]) == (-0.3, None)
    assert (entropy["logits_threshold"], entropy["entropy_threshold"]) == (None, 0.5)
    assert list(confidence)[:2] == ["threshold", "total"]


def test_ibc_is_null_where_nothing_is_routed():
    frame = random_queries(1)
    below_every_score = frame["avg_logp"].min() - 1
    record = routing.records(routing.sweep(frame, "logits", [below_every_score], COSTS))[0]
    assert record["lm2_count"] == 0
    assert record["IBC"] is None and record["delta_IBC"] is None
    assert record["avg_cost"] == COSTS.keep
    # AutoMix's IBC: the log-probability router pays no verifier, so nothing routed costs nothing
    # extra (undefined); self-verification pays it on every query: 0 gained for 4 paid, -100 %
    assert record["IBC_automix"] is None and record["delta_IBC_automix"] is None
    confidence = routing.records(routing.sweep(frame, "confidence", [-1.0], COSTS))[0]
    assert confidence["lm2_count"] == 0
    assert confidence["IBC_automix"] == pytest.approx(0.0, abs=1e-12)
    assert confidence["delta_IBC_automix"] == pytest.approx(-100.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("router", routing.ROUTERS)
def test_exact_curve_agrees_with_the_sweep(seed, router):
    frame = random_queries(seed)
    column = routing.ROUTERS[router][0]
    curve = routing.exact_curve(frame, router, COSTS)
    # each curve row, swept at its own threshold, gives that row back
    again = routing.sweep(frame, router, curve["threshold"], COSTS)
    for field in ("lm2_ratio", "avg_cost", "avg_perf"):
        np.testing.assert_allclose(again[field], curve[field], rtol=0, atol=1e-12)
    # every swept point lies on the curve
    swept = routing.sweep(frame, router, routing.thresholds(frame[column].to_numpy(), 9), COSTS)
    on_curve = swept.merge(curve, on="lm2_ratio", suffixes=("", "_curve"))
    assert len(on_curve) == len(swept)
    np.testing.assert_allclose(on_curve["avg_perf"], on_curve["avg_perf_curve"], rtol=0, atol=1e-12)
    # from nothing routed to everything routed, one row per distinct score and one more
    assert curve["lm2_ratio"].iloc[0] == 0 and curve["lm2_ratio"].iloc[-1] == 1
    assert curve["lm2_ratio"].is_monotonic_increasing
    assert len(curve) == frame[column].nunique() + 1


@pytest.mark.parametrize("seed", range(20))
def test_the_oracle_is_at_least_as_good_as_every_point(seed):
    frame = random_queries(seed, n=200)
    best = routing.oracle(frame, COSTS)["avg_perf"]
    curves = routing.exact_curves(frame, COSTS)
    assert (curves["avg_perf"] <= best + 1e-12).all()
    assert best >= max(frame["perf_slm"].mean(), frame["perf_llm"].mean())


def test_linear_thresholds_are_the_notebooks():
    score = np.array([-2.0, -1.5, -0.2, 0.0])
    np.testing.assert_array_equal(routing.thresholds(score, 9), np.linspace(-2.0, 0.0, 11)[1:-1])


def test_quantile_thresholds_spread_the_routed_share():
    frame = random_queries(4, n=2000)
    frame["avg_logp"] = -np.random.default_rng(4).lognormal(-3, 1.5, len(frame))  # skewed
    shares = {}
    for spacing in ("linear", "quantile"):
        values = routing.thresholds(frame["avg_logp"].to_numpy(), 9, spacing)
        shares[spacing] = routing.sweep(frame, "logits", values, COSTS)["lm2_ratio"].to_numpy()
    np.testing.assert_allclose(shares["quantile"], np.linspace(0.1, 0.9, 9), atol=0.01)
    assert shares["linear"].max() < 0.1  # the linear grid bunches on skewed scores


@pytest.mark.parametrize("router", ["logits", "entropy"])
@pytest.mark.parametrize("spacing", ["linear", "quantile"])
def test_a_count_far_above_the_cuts_sweeps_each_distinct_cut_once(router, spacing, caplog):
    frame = random_queries(5, n=200)  # rounded scores: far fewer distinct values than queries
    column, keep_when = routing.ROUTERS[router]
    score = frame[column].to_numpy()
    with caplog.at_level("WARNING", logger="llmcost"):
        swept = routing.sweeps(frame, COSTS, 10**12, spacing, [0.5], dataset="mine")[router]
    distinct = len(np.unique(score))
    assert len(swept) == distinct - 1  # every cut strictly inside the range, each once
    assert swept["lm2_count"].is_unique and 0 < swept["lm2_count"].min() and swept["lm2_count"].max() < len(frame)
    # the same points as the exact curve without its two ends (nothing and everything routed)
    exact = routing.exact_curve(frame, router, COSTS)
    np.testing.assert_array_equal(np.sort(swept["lm2_ratio"]), np.sort(exact["lm2_ratio"])[1:-1])
    # a finer grid of thresholds (what the count asked for) finds no other cut
    fine = routing.sweep(frame, router, np.linspace(score.min(), score.max(), 100_003)[1:-1], COSTS)
    assert set(fine["lm2_count"]) == set(swept["lm2_count"])
    assert (f"mine: routing.thresholds.count is 1000000000000, but the {router} router's scores make "
            f"only {distinct - 1} distinct cuts: its sweep has one threshold per cut.") in caplog.text


def test_a_count_within_the_cuts_is_the_grid_asked_for(caplog):
    frame = random_queries(5, n=200)
    with caplog.at_level("WARNING", logger="llmcost"):
        swept = routing.sweeps(frame, COSTS, 9, "linear", [0.5])
    np.testing.assert_array_equal(swept["logits"]["logits_threshold"],
                                  routing.thresholds(frame["avg_logp"].to_numpy(), 9))
    assert "distinct cuts" not in caplog.text


def test_a_constant_score_has_one_cut():
    assert routing.distinct_cuts(np.array([0.5, 0.5, 0.5]), ">=").tolist() == [0.5]
    assert routing.distinct_cuts(np.array([0.1, 0.3, 0.3, 0.2]), ">=").tolist() == [0.2, 0.3]
    assert routing.distinct_cuts(np.array([0.1, 0.3, 0.3, 0.2]), "<=").tolist() == [0.1, 0.2]


def test_best_point_skips_tiny_routed_shares():
    points = pd.DataFrame({"logits_threshold": [-1.0, -0.5, -0.2], "entropy_threshold": np.nan,
                           "lm2_ratio": [0.01, 0.2, 0.6], "delta_IBC": [700.0, 90.0, 40.0]})
    result = routing.best_point(points, "logits", 0.05)
    assert result["best"] == {"threshold": -0.5, "lm2_ratio": 0.2, "delta_IBC": 90.0}
    assert result["unstable"] == [{"threshold": -1.0, "lm2_ratio": 0.01, "delta_IBC": 700.0}]


def test_no_eligible_point_gives_no_best():
    points = pd.DataFrame({"threshold": [0.5], "lm2_ratio": [0.01], "delta_IBC": [10.0]})
    assert routing.best_point(points, "confidence", 0.05)["best"] is None


def test_equal_keep_and_route_costs_are_refused():
    with pytest.raises(InputError, match=r"routing\.costs: llm = 0 .* IBC_base is undefined"):
        routing.cost_model({"slm": 1, "llm": 0, "verifier": 4})


def test_table_marks_unstable_best_and_lists_it():
    frame = random_queries(5)
    swept = routing.sweeps(frame, COSTS, 9, "linear", [0.25, 0.5, 0.75])
    summary = routing.dataset_summary("toy_set", frame, {"rows": len(frame)}, COSTS, swept, 0.05)
    summary["routers"]["logits"]["unstable"] = [{"threshold": -1.0, "lm2_ratio": 0.006, "delta_IBC": 760.8}]
    summary["routers"]["entropy"]["unstable_automix"] = [{"threshold": 9.0, "lm2_ratio": 0.006,
                                                         "delta_IBC_automix": 717.8}]
    text = routing_tables.routing_table(routing.combine_summaries([summary]))
    assert text.startswith(r"\begin{tabular}{lrrlrrrr}") and text.rstrip().endswith(r"\end{tabular}")
    assert "toy\\_set" in text and r"$^\dagger$" in text
    assert r"toy\_set, log-prob.: 760.8\,\% at 0.6\,\% routed" in text
    assert r"toy\_set, entropy: AutoMix 717.8\,\% at 0.6\,\% routed" in text
    # both definitions, and which router the AutoMix column charges the verifier
    assert r"Best $\Delta_\mathrm{IBC}^\mathrm{AutoMix}$ (\%)" in text
    assert "the verifier charged to self-verification." in text
    assert not math.isnan(summary["IBC_base"])


def summary_of(frame, name="toy"):
    swept = routing.sweeps(frame, COSTS, 9, "linear", [0.25, 0.5, 0.75])
    return routing.dataset_summary(name, frame, {"rows": len(frame)}, COSTS, swept, 0.05), swept


def test_a_worse_large_model_has_no_baseline_and_no_delta_ibc():
    frame = random_queries(6)
    frame[["perf_slm", "perf_llm"]] = frame[["perf_llm", "perf_slm"]].to_numpy()  # P_LLM < P_SLM
    summary, swept = summary_of(frame)
    assert summary["P_llm"] < summary["P_slm"]
    # before: IBC_base < 0 flipped the sign of delta_IBC (+55.3 % best, oracle -643 %)
    assert summary["IBC_base"] is None and "is not above P_SLM" in summary["no_baseline"]
    assert all(sweep["delta_IBC"].isna().all() for sweep in swept.values())
    assert summary["oracle"]["delta_IBC"] is None
    assert all(result["best"] is None and result["unstable"] == [] for result in summary["routers"].values())
    text = routing_tables.routing_table(routing.combine_summaries([summary]))
    assert "& --$^\\ddagger$ \\\\" in text and "$--$" not in text
    assert r"$^\ddagger$ No IBC baseline for toy:" in text


def test_means_equal_up_to_a_tiny_change_have_no_baseline():
    frame = random_queries(7)
    frame["perf_llm"] = frame["perf_slm"]
    frame.loc[0, "perf_llm"] = min(frame.loc[0, "perf_slm"] + 1e-9, 1.0)  # before: best delta_IBC 513 %
    summary, swept = summary_of(frame)
    assert 0 < summary["P_llm"] - summary["P_slm"] < 1e-11
    assert summary["no_baseline"] and swept["logits"]["delta_IBC"].isna().all()


def test_a_gap_of_more_than_one_querys_swing_has_a_baseline():
    frame = random_queries(8, n=100)
    frame["perf_llm"] = frame["perf_slm"]
    frame.loc[frame["perf_slm"] < 0.5, "perf_llm"] = 1.0
    summary, _ = summary_of(frame)
    assert summary["P_llm"] - summary["P_slm"] > 1 / 100
    assert summary["no_baseline"] is None and summary["IBC_base"] > 0


# --- the two files joined by id where both carry one -------------------------------------------

CNLI = "cnli_short"  # its router file's ids are unique per query (coqa_short's name a story: 63 for 1,000)


def bundled_records(dataset: str = CNLI) -> tuple[list[dict], list[dict]]:
    import gzip
    import json
    from conftest import REPO
    read = lambda path: [json.loads(line) for line in gzip.open(REPO / path, "rt")]  # noqa: E731
    return (read(f"data/automix/logits_entropy/{dataset}_answerlogits.jsonl.gz"),
            read(f"data/automix/router_data/router_data_{dataset}.jsonl.gz"))


def write_jsonl(path, records) -> str:
    import json
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def test_files_with_ids_are_joined_by_id_whatever_their_order(tmp_path):
    """Before, a reordered logits file was paired line by line with the router file: the sweep
    then routed by another query's log-probability (cnli_short's best log-prob delta_IBC 37.8 %
    at 7.1 % routed instead of 55.3 % at 28.7 %)."""
    from conftest import REPO
    from llmcost.routing_data import load_dataset

    logits, router = bundled_records()
    expected, merge = load_dataset(str(REPO / f"data/automix/logits_entropy/{CNLI}_answerlogits.jsonl.gz"),
                                   str(REPO / f"data/automix/router_data/router_data_{CNLI}.jsonl.gz"))
    with_ids = [{"id": query["id"], **record} for record, query in zip(logits, router)]
    shuffled = [with_ids[i] for i in np.random.default_rng(0).permutation(len(with_ids))]
    frame, diagnostic = load_dataset(write_jsonl(tmp_path / "logits.jsonl", shuffled),
                                     write_jsonl(tmp_path / "router.jsonl", router))
    pd.testing.assert_frame_equal(frame, expected)  # the router file's order: the same numbers, bit for bit
    assert diagnostic == merge
    best = routing.dataset_summary(CNLI, frame, diagnostic, COSTS, routing.sweeps(frame, COSTS, 9, "linear",
                                                                                   [0.25, 0.5, 0.75]), 0.05)
    assert round(best["routers"]["logits"]["best"]["delta_IBC"], 1) == 55.3


def test_a_configured_id_field_joins_and_ids_in_one_file_only_join_by_position(tmp_path):
    from llmcost.routing_data import load_dataset

    logits = [{"qid": f"q{i}", "avg_logp": -0.1 * i, "avg_entropy_nats": 0.2 * i} for i in range(1, 4)]
    router = [{"qid": f"q{i}", "id": i, "slm_confidence": 0.25 * i, "perf_slm": 0.0, "perf_llm": 1.0}
              for i in range(1, 4)]
    router_path = write_jsonl(tmp_path / "router.jsonl", router[::-1])
    frame, _ = load_dataset(write_jsonl(tmp_path / "logits.jsonl", logits), router_path, id_field="qid")
    assert frame["avg_logp"].tolist() == [-0.30000000000000004, -0.2, -0.1]  # q3, q2, q1: the router's order
    # "id" only in the router file: by position, as the bundled files are
    frame, _ = load_dataset(str(tmp_path / "logits.jsonl"), router_path)
    assert frame["avg_logp"].tolist() == [-0.1, -0.2, -0.30000000000000004]


def dataset_with_ids(tmp_path, change_logits=None, change_router=None):
    logits = [{"id": f"q{i}", "avg_logp": -0.1 * i, "avg_entropy_nats": 0.2 * i} for i in range(1, 6)]
    router = [{"id": f"q{i}", "slm_confidence": 0.25, "perf_slm": 0.0, "perf_llm": 1.0} for i in range(1, 6)]
    for change, records in ((change_logits, logits), (change_router, router)):
        if change:
            change(records)
    return write_jsonl(tmp_path / "logits.jsonl", logits), write_jsonl(tmp_path / "router.jsonl", router)


@pytest.mark.parametrize("case, file, expected", [
    ("missing", "logits", r"logits\.jsonl, line 3: no id\. Both files of the dataset carry 'id', so their lines are "
                          r"joined by it: give every line its query's id\."),
    ("null", "router", r"router\.jsonl, line 3: no id\. Both files"),
    ("repeated", "logits", r"logits\.jsonl, line 4: id \"q2\" appears again \(first at line 2\)\. .* set "
                           r"routing\.id_field to a field unique per query\."),
    ("unmatched", "router", r"logits\.jsonl, line 3: id \"q3\" is not in \S+router\.jsonl; and \S+router\.jsonl, "
                            r"line 3: id \"q9\" is not in \S+logits\.jsonl\. Both files carry 'id'"),
    ("number and text", "router", r"logits\.jsonl, line 1: id \"q1\" is not in \S+router\.jsonl \(5 of its 5 ids "
                                  r"are not\); and \S+router\.jsonl, line 1: id 1 is not in \S+logits\.jsonl \(5 are "
                                  r"not\)\. .* The ids of \S+logits\.jsonl are strings, of \S+router\.jsonl numbers: "
                                  r"they compare as written \(7 and \"7\" differ\)\."),
])
def test_a_bad_id_stops_naming_the_file_the_line_and_the_id(tmp_path, case, file, expected):
    from llmcost.routing_data import load_dataset

    def change(records):
        if case == "missing":
            del records[2]["id"]
        elif case == "null":
            records[2]["id"] = None
        elif case == "repeated":
            records[3]["id"] = "q2"
        elif case == "unmatched":
            records[2]["id"] = "q9"
        else:
            for i, record in enumerate(records, start=1):
                record["id"] = i
    paths = dataset_with_ids(tmp_path, **{f"change_{file}": change})
    with pytest.raises(InputError, match=expected):
        load_dataset(*paths)


def test_a_key_repeated_in_a_json_line_names_file_line_and_key(tmp_path):
    """pyarrow refused such a file and the line-by-line reader took the last value silently."""
    from llmcost.routing_data import read_jsonl

    path = tmp_path / "router.jsonl"
    path.write_text('{"id": 1, "perf_slm": 0.0}\n{"id": 2, "perf_slm": 1.0, "perf_slm": 0.0}\n')
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}, line 2: key 'perf_slm' appears more than once "
                                         r"in the line's object; which value counts is not defined\. Keep one"):
        read_jsonl(str(path))


def test_reordered_logits_with_ids_give_the_committed_routing_artifacts(rerun_copy):
    """End to end, with the default id field: the routing artifacts stay byte for byte."""
    import gzip
    import json

    from conftest import snakemake
    logits, router = bundled_records()
    with_ids = [{"id": query["id"], **record} for record, query in zip(logits, router)]
    shuffled = [with_ids[i] for i in np.random.default_rng(1).permutation(len(with_ids))]
    path = rerun_copy / f"data/automix/logits_entropy/{CNLI}_answerlogits.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(record) + "\n" for record in shuffled).encode(), mtime=0))
    before = {p: p.read_bytes() for p in sorted((rerun_copy / "results").rglob("*")) if p.is_file()}
    result = snakemake(rerun_copy, "--cores", "2")
    assert "routing_sweep" in result.stdout + result.stderr  # the changed dataset was swept again
    after = {p: p.read_bytes() for p in sorted((rerun_copy / "results").rglob("*")) if p.is_file()}
    assert after.keys() == before.keys()
    assert [p.relative_to(rerun_copy).as_posix() for p in before if before[p] != after[p]] == []


def test_every_dash_of_the_table_carries_the_note_that_says_why():
    """Issue 26: the routed share of a router without a best point was an unexplained dash. No baseline
    marks both cells with the double dagger; a baseline but no swept threshold routing the minimum
    share marks both with the section sign and its note."""
    frame = random_queries(6)
    frame[["perf_slm", "perf_llm"]] = frame[["perf_llm", "perf_slm"]].to_numpy()
    worse, _ = summary_of(frame, "worse")
    plain = random_queries(5)
    swept = routing.sweeps(plain, COSTS, 9, "linear", [0.25, 0.5, 0.75])
    strict = routing.dataset_summary("strict", plain, {"rows": len(plain)}, COSTS, swept, 0.99)
    assert all(result["best"] is None for result in strict["routers"].values()) and not strict["no_baseline"]
    text = routing_tables.routing_table(routing.combine_summaries([worse, strict]))
    rows = [line for line in text.splitlines() if " & " in line and "footnotesize" not in line][1:]
    assert rows[0].startswith("strict") and rows[3].startswith("worse")  # sorted by name
    # strict: every swept point routes under 99 %, so each is also listed as excluded (dagger)
    assert all(r"& --$^\S$ & --$^\S$" in line for line in rows[:3]), rows
    assert all(line.endswith(r"& --$^\ddagger$ & --$^\ddagger$ \\") for line in rows[3:]), rows
    assert r"$^\S$ No swept threshold routes at least 99\,\% of queries with a defined $\Delta_\mathrm{IBC}$." in text
    assert r"$^\ddagger$ No IBC baseline for worse:" in text
