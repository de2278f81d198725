"""`make changes`: the intervals and statements numbers.json carries, the comparison with a base
(hand-made pairs), and the command on regenerations of the bundled data with a seed added or
removed, against the differences computed here from the two numbers.json."""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, snakemake

from llmcost.changes import NumberChange, compare, fails, file_changes, markdown, printed
from llmcost.intervals import declared_interval, interval_at, intervals, score_spreads
from llmcost.latex import LATEX
from llmcost.numbers import leaves, numbers_tex, quoted
from llmcost.optimization_tables import optimizer_scores_cells
from llmcost.outputs import read_csv
from llmcost.statements import STATEMENTS, Sources, statements, title

RESULTS = REPO / "results"
CELL = "data/capo/main_results/agnews/mistral/CAPO"  # CAPO 84.33 against EvoPromptGA's 84.40 (bold)


# --- numbers.json: intervals and statements, no macros ---------------------------------------------

def test_the_new_sections_add_no_macro_and_numbers_tex_is_as_before():
    numbers = json.loads((RESULTS / "numbers.json").read_text())
    assert {"intervals", "statements"} <= set(numbers)
    assert numbers_tex(numbers) == (RESULTS / "numbers.tex").read_text()  # the committed macros, byte for byte
    assert numbers_tex(numbers) == numbers_tex(quoted(numbers))


def test_intervals_are_the_bounds_and_spreads_each_quantity_declares_beside_it():
    router = {"best_delta_ibc_pct": 10.0, "best_delta_ibc_ci_low_pct": 8.0, "best_delta_ibc_ci_high_pct": 12.0,
              "best_delta_ibc_routed_share_pct": 40.0,  # not the Δ_IBC's interval
              "verifier_break_even_cost": 3.0, "verifier_break_even_cost_ci_low": 2.0,
              "verifier_break_even_cost_ci_high": 5.0,
              "heldout_delta_ibc_pct": 44.0, "heldout_delta_ibc_std_pct": 4.0,
              "best_delta_ibc_automix_pct": 1.0, "best_delta_ibc_automix_ci_low_pct": None,  # a null bound:
              "best_delta_ibc_automix_ci_high_pct": 2.0,  # no interval
              "apgr": 0.6}  # from metrics.json, not beside it
    pair = {"p_improvement": 0.7, "p_ci_low": 0.6, "p_ci_high": 0.8,
            "delta_pct": 1.5, "delta_ci_low_pct": 1.0, "delta_ci_high_pct": 2.0}
    # names like the keys: a dataset "p_ci_low" is a dataset, and "apgr_ci_low" beside apgr is no bound
    tree = {"routing": {"p_ci_low": {"logits": router}, "d": {"logits": {"apgr": 0.6, "apgr_ci_low": 0.5,
                                                                       "apgr_ci_high": 0.7}}},
            "optimization": {"comparison": {"A_vs_B": pair}}}
    got = {key: (rec["low"], rec["high"], rec["kind"]) if rec else None for key, rec in
           ((".".join(path), declared_interval(tree, path)) for path, _ in leaves(tree))}
    at = "routing.p_ci_low.logits."
    assert got[at + "best_delta_ibc_pct"] == (8.0, 12.0, "interval")
    assert got["optimization.comparison.A_vs_B.p_improvement"] == (0.6, 0.8, "interval")
    assert got["optimization.comparison.A_vs_B.delta_pct"] == (1.0, 2.0, "interval")
    assert got[at + "verifier_break_even_cost"] == (2.0, 5.0, "interval")
    assert got[at + "heldout_delta_ibc_pct"] == (40.0, 48.0, "spread")
    assert got[at + "best_delta_ibc_routed_share_pct"] is None and got[at + "apgr"] is None
    assert got[at + "best_delta_ibc_automix_pct"] is None and got["routing.d.logits.apgr"] is None
    assert got[at + "best_delta_ibc_ci_low_pct"] is None and got[at + "heldout_delta_ibc_std_pct"] is None
    section = intervals({**tree, "intervals": {}, "statements": {}})
    assert interval_at(section, ("optimization", "comparison", "A_vs_B", "p_improvement"))["from"] == \
        "p_ci_low, p_ci_high"
    assert "intervals" not in section and interval_at(section, ("routing", "d", "logits", "apgr")) is None


def test_the_score_spread_is_the_seed_std_of_the_mean_over_cells():
    scores = pd.DataFrame({"dataset": ["d1", "d2", "d1", "d2"], "model": ["m", "m", "m", "m"],
                           "optimizer": ["A", "A", "B", "B"], "budget_tokens": [5e6] * 4,
                           "n_runs": [3, 3, 3, 1], "test_score_mean_pct": [80.0, 70.0, 60.0, 50.0],
                           "test_score_std_pct": [3.0, 4.0, 1.0, 0.0]})
    numbers = {"optimization": {"score_at_table_budget_pct": {"A": 75.0, "B": 55.0},
                                "score_at_table_budget_by_model_pct": {"A": {"m": 75.0}, "B": {"m": 55.0}}}}
    section = intervals(numbers, score_spreads(scores, 5e6))
    spread = interval_at(section, ("optimization", "score_at_table_budget_pct", "A"))
    assert (spread["low"], spread["high"], spread["kind"]) == (72.5, 77.5, "spread")  # sqrt(9 + 16) / 2
    assert interval_at(section, ("optimization", "score_at_table_budget_by_model_pct", "A", "m"))["high"] == 77.5
    assert interval_at(section, ("optimization", "score_at_table_budget_pct", "B")) is None  # a one-run cell


def test_the_bundled_intervals_are_the_artifacts():
    numbers = json.loads((RESULTS / "numbers.json").read_text())
    section = numbers["intervals"]
    pair = interval_at(section, ("optimization", "comparison", "CAPO_vs_EvoPromptGA", "p_improvement"))
    assert (pair["low"], pair["high"]) == (numbers["optimization"]["comparison"]["CAPO_vs_EvoPromptGA"]["p_ci_low"],
                                           numbers["optimization"]["comparison"]["CAPO_vs_EvoPromptGA"]["p_ci_high"])
    metrics = json.loads((RESULTS / "routing/datasets/cnli_short/metrics.json").read_text())["routers"]["logits"]
    cpt = interval_at(section, ("routing", "cnli_short", "logits", "cpt_50_pct"))
    assert cpt["low"] == pytest.approx(100 * metrics["metrics"]["CPT_50"]["ci_low"], abs=1e-12)
    scores = read_csv(RESULTS / "optimization/scores.csv")
    at = scores[(scores["budget_tokens"] == 5e6) & (scores["optimizer"] == "CAPO")]
    std = math.sqrt((at["test_score_std_pct"] ** 2).sum()) / len(at)
    spread = interval_at(section, ("optimization", "score_at_table_budget_pct", "CAPO"))
    assert spread["high"] - spread["low"] == pytest.approx(2 * std, abs=1e-9)
    held = interval_at(section, ("routing", "qasper_short", "entropy", "heldout_delta_ibc_pct"))
    assert held["kind"] == "spread" and held["high"] - held["low"] == pytest.approx(
        2 * numbers["routing"]["qasper_short"]["entropy"]["heldout_delta_ibc_std_pct"])


def bold_cells(scores: pd.DataFrame, budget: float) -> dict:
    """(model, dataset or Average) -> the optimizers the scores table sets in bold."""
    frame, _ = optimizer_scores_cells(scores, budget, LATEX)
    bold: dict = {}
    for (model, optimizer), row in frame.iterrows():
        for column, cell in row.items():
            bold.setdefault((model, column), [])
            if "boldmath" in cell:
                bold[(model, column)].append(optimizer)
    return bold


def said_bold(said: dict) -> dict:
    return {**{(model, dataset): names for model, by_dataset in said["best_optimizer"].items()
               for dataset, names in by_dataset.items()},
            **{(model, "Average"): names for model, names in said["best_average_optimizer"].items()}}


def test_the_best_optimizers_are_the_scores_tables_bold_cells():
    said = json.loads((RESULTS / "numbers.json").read_text())["statements"]
    assert said_bold(said) == bold_cells(read_csv(RESULTS / "optimization/scores.csv"), 5e6)
    assert said["best_optimizer"]["mistral"]["agnews"] == ["EvoPromptGA"]
    # many ties (three score values), cells without a score, a model without every optimizer
    rng = np.random.default_rng(0)
    scores = pd.DataFrame([{"dataset": f"d{d}", "model": f"m{m}", "optimizer": f"o{o}", "budget_tokens": 5e6,
                            "n_runs": int(rng.integers(0, 3)), "test_score_mean_pct": 60 + int(rng.integers(0, 3)) / 2,
                            "test_score_std_pct": 0.5} for d, m, o in itertools.product(range(6), range(4), range(3))
                           if (m, o) != (3, 2)])
    scores["n_seeds"] = scores["n_seeds_with_test_score"] = scores["n_runs"]
    said = statements(Sources({}, scores, 5e6))
    assert said_bold(said) == bold_cells(scores, 5e6)
    assert any(len(names) > 1 for names in said_bold(said).values())


def scores_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": d, "model": m, "optimizer": o, "budget_tokens": 5e6, "n_runs": n,
                          "test_score_mean_pct": s, "test_score_std_pct": 0.0} for d, m, o, n, s in rows])


def test_each_kind_of_statement_on_hand_made_numbers():
    numbers = {"optimization": {"comparison": {"A_vs_B": {"p_improvement": 0.7, "verdict": "better"}},
                                "wall_clock_hours": None},
               "routing": {"x": {"P_slm": 0.5, "logits": {"best_swept_delta_ibc_pct": 55.27950310559013},
                                 "entropy": {"best_swept_delta_ibc_pct": 55.27950310559015},
                                 "confidence": {"best_swept_delta_ibc_pct": 20.0},
                                 "oracle": {"best_delta_ibc_pct": 400.0}},
                           "y": {"logits": {"best_swept_delta_ibc_pct": None}}}}
    scores = scores_frame([("d1", "m", "A", 3, 80.0), ("d1", "m", "B", 3, 80.0),  # a tie: both bold
                           ("d2", "m", "A", 3, 70.0), ("d2", "m", "B", 0, None),  # B has no score on d2
                           ("d1", "n", "A", 3, 60.0), ("d1", "n", "B", 3, 61.0)])
    said = statements(Sources(numbers, scores, 5e6))
    assert set(said) == set(STATEMENTS)
    assert said["word"] == {"optimization": {"comparison": {"A_vs_B": {"verdict": "better"}}}}
    assert said["defined"]["optimization"]["wall_clock_hours"] == "undefined"
    assert said["defined"]["routing"]["x"]["P_slm"] == "defined"
    assert said["best_router"] == {"x": ["entropy", "logits"], "y": []}  # equal to 1e-9: a tie; no value: none
    # d2: only A has a score on m, nothing to compare (the table bolds a cell only beside another score)
    assert said["best_optimizer"] == {"m": {"d1": ["A", "B"], "d2": []}, "n": {"d1": ["B"], "d2": []}}
    assert said["best_average_optimizer"] == {"m": [], "n": []}  # neither model has every optimizer on every dataset
    complete = scores_frame([("d1", "m", "A", 3, 80.0), ("d1", "m", "B", 3, 70.0)])
    assert statements(Sources(numbers, complete, 5e6))["best_average_optimizer"] == {"m": ["A"]}
    assert "best_optimizer" not in statements(Sources(numbers))  # no scores.csv: the kind is left out
    assert title("best_router").startswith("Best router of a dataset")


# --- The comparison on hand-made pairs -----------------------------------------------------------

def numbers_json(score: float, p: float, verdict: str, hours, extra: dict | None = None) -> dict:
    numbers = {"optimization": {"score_at_table_budget_pct": {"A": score}, "wall_clock_hours": hours,
                                "comparison": {"A_vs_B": {"tasks_count": 15, "p_improvement": p, "p_ci_low": 0.6,
                                                          "p_ci_high": 0.8, "verdict": verdict}}},
               **(extra or {})}
    numbers["intervals"] = intervals(numbers)
    numbers["statements"] = statements(Sources(numbers))
    return numbers


def test_changes_are_classified_most_important_first():
    base = numbers_json(79.74, 0.7, "better", 10.0, {"tokens": {"runs_count": {"A": 45}}})
    new = numbers_json(79.7401, 0.85, "not distinguishable", None, {"tokens": {"runs_count": {"A": 46, "B": 3}}})
    new["optimization"]["comparison"]["A_vs_B"]["p_ci_low"] = 0.55  # inside its old interval? a bound, no interval
    changes = compare(base, new)
    flips = {(f.kind, ".".join(f.path)): (f.old, f.new) for f in changes.flips}
    assert flips == {("word", "optimization.comparison.A_vs_B.verdict"): ("better", "not distinguishable"),
                     ("defined", "optimization.wall_clock_hours"): ("defined", "undefined")}
    assert [c.path for c in changes.outside] == [("optimization", "comparison", "A_vs_B", "p_improvement")]
    assert [c.path for c in changes.changed] == [("optimization", "comparison", "A_vs_B", "p_ci_low"),
                                                 ("tokens", "runs_count", "A")]
    assert [c.path for c in changes.below_precision] == [("optimization", "score_at_table_budget_pct", "A")]
    assert changes.added == [(("tokens", "runs_count", "B"), 3)] and changes.removed == []
    assert fails(changes, "flipped") and fails(changes, "outside") and not fails(changes, "")
    text = markdown(changes, None, {}, base, new, "results", "HEAD")
    order = [text.index(h) for h in ("## Conclusions that flipped", "## Numbers that left their interval",
                                     "## Other quoted numbers that changed", "## Numbers added or removed",
                                     "## Files and paper sections")]
    assert order == sorted(order)
    assert "- Quoted word (a comparison's verdict): `optimization.comparison.A_vs_B.verdict`: better → not distinguishable" in text
    assert ("`optimization.comparison.A_vs_B.p_improvement` (`\\OptimizationComparisonAVsBPImprovement`): "
            "0.700 → 0.850 (+0.150, +21.4 %); outside the base's interval 0.600 to 0.800") in text
    assert "`tokens.runs_count.A` (`\\TokensRunsCountA`): 45 → 46 (+1, +2.2 %)" in text
    assert "`optimization.score_at_table_budget_pct.A`: prints 79.7 as before (79.74 → 79.7401)" in text
    assert "(10.0 → undefined)" in text and "- added `tokens.runs_count.B` = 3" in text


def test_a_number_inside_its_interval_is_marked_inside_and_percentages_get_no_relative_change():
    path, std = ("routing", "d", "logits", "heldout_delta_ibc_pct"), "heldout_delta_ibc_std_pct"
    change = NumberChange(path, 50.0, 53.0, {"low": 45.0, "high": 55.0, "kind": "spread", "from": f"value ± {std}"})
    base, new = ({"routing": {"d": {"logits": {path[-1]: value, std: 5.0}}}} for value in (50.0, 53.0))
    for numbers in (base, new):
        numbers |= {"intervals": intervals(numbers), "statements": statements(Sources(numbers))}
    changes = compare(base, new)
    assert changes.changed == [change] and not change.outside
    assert f"50.0 → 53.0 (+3.0); inside the base's spread 45.0 to 55.0 (value ± {std})" in markdown(
        changes, None, {}, base, new, "out", "HEAD")
    delta = ("optimization", "comparison", "A_vs_B", "delta_pct")
    assert printed(delta, -0.04) == "-0.0" and printed(delta, None) == "undefined"
    # a key no quantity declares now (a base made by older code): six significant digits
    assert printed(("a_pct",), -0.04) == "-0.04"


def test_a_base_made_before_the_sections_is_compared_with_those_its_numbers_give():
    new = numbers_json(90.0, 0.9, "better", 10.0)
    base = quoted(numbers_json(80.0, 0.7, "better", 10.0))
    changes = compare(base, new)
    assert [c.path[-1] for c in changes.outside] == ["p_improvement"]  # the declared interval of the base
    assert "older pipeline" in changes.notes[0]


def test_nothing_changed_is_one_line_and_files_are_compared_by_content():
    numbers = numbers_json(80.0, 0.7, "better", 10.0)
    same = compare(numbers, json.loads(json.dumps(numbers)))
    files = file_changes({"a.csv": "1", "b.png": "2"}, {"a.csv": "1", "b.png": "2"})
    assert markdown(same, files, {}, numbers, numbers, "results", "HEAD").count("\n") == 1
    assert file_changes({"a.csv": "1", "b.png": "2"}, {"a.csv": "1", "b.png": "3", "c.tex": "4"}) == {
        "changed": ["b.png"], "added": ["c.tex"], "removed": []}
    text = markdown(same, file_changes({"tables/t.tex": "1"}, {"tables/t.tex": "2"}), {}, numbers, numbers, "r", "HEAD")
    assert "No quoted number or statement changed." in text and "- tables changed: `tables/t.tex`" in text


# --- The command: bases and their errors ---------------------------------------------------------

def changes_command(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts/changes.py"), *args], cwd=cwd,
                          capture_output=True, text=True)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_a_base_that_cannot_be_read_is_one_line(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(RESULTS / "numbers.json", out / "numbers.json")
    cases = {"HEAD": "is not in a git repository",
             str(tmp_path / "missing.json"): "missing.json not found",
             str(tmp_path / "bad.json"): "bad.json: not valid JSON (line 1, column 7"}
    (tmp_path / "bad.json").write_text('{"a": ')
    (tmp_path / "empty").mkdir()
    cases[str(tmp_path / "empty")] = "this folder holds no numbers.json"
    for base, message in cases.items():
        done = changes_command(tmp_path, "--output", "out", "--base", base, "--markdown", str(tmp_path / "c.md"))
        assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    git(tmp_path, "init", "-q")
    (tmp_path / "README").write_text("x")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-qm", "no results")
    for base, message in {"HEAD": "has no out/numbers.json", "nosuchrev": "neither a file nor a revision"}.items():
        done = changes_command(tmp_path, "--output", "out", "--base", base, "--markdown", str(tmp_path / "c.md"))
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = changes_command(tmp_path, "--output", "nowhere", "--markdown", str(tmp_path / "c.md"))
    assert done.returncode == 2 and "nowhere/numbers.json: not found" in done.stderr
    done = changes_command(tmp_path, "--output", "out", "--fail-on", "moved", "--markdown", str(tmp_path / "c.md"))
    assert done.returncode == 2 and "moved is not one of flipped, outside" in done.stderr
    assert not (tmp_path / "c.md").exists()
    # out/ has no manifest: its files are not compared, its numbers are
    done = changes_command(tmp_path, "--output", "out", "--base", str(RESULTS), "--markdown", str(tmp_path / "c.md"))
    assert done.returncode == 0 and done.stdout == (f"Nothing changed: out/ has the same quoted numbers and "
                                                    f"statements as {RESULTS}/numbers.json.\n")


# --- The command on regenerations of the bundled data --------------------------------------------

def add_seed(workdir: Path, cell: str, seed: str, test_score: float) -> None:
    """A copy of the cell's seed44 as ``seed``, its every test score set to ``test_score``."""
    target = workdir / cell / seed
    shutil.copytree(workdir / cell / "seed44", target)
    for log in target.rglob("step_results_eval.csv.gz"):
        frame = pd.read_csv(log)
        frame["test_score"] = test_score
        log.write_bytes(gzip.compress(frame.to_csv(index=False).encode(), mtime=0))


def differences(base: dict, new: dict) -> dict:
    """What the test expects, computed here: quoted numbers that differ, statements that differ,
    each changed number's place against the base's interval."""
    old, now = dict(leaves(quoted(base))), dict(leaves(quoted(new)))
    numeric = {".".join(path) for path in old.keys() & now.keys()
               if old[path] != now[path] and not isinstance(now[path], str)}
    said = {kind: dict(leaves(tree)) for kind, tree in base["statements"].items()}
    says = {kind: dict(leaves(tree)) for kind, tree in new["statements"].items()}
    flips = {(kind, ".".join(path)) for kind in said for path in said[kind].keys() & says[kind].keys()
             if said[kind][path] != says[kind][path]}
    place = {}
    for path in old.keys() & now.keys():
        interval = interval_at(base["intervals"], path)
        if interval and old[path] != now[path] and now[path] is not None:
            place[".".join(path)] = "inside" if interval["low"] <= now[path] <= interval["high"] else "outside"
    return {"numbers": numeric, "flips": flips, "place": place,
            "added": {".".join(p) for p in now.keys() - old.keys()},
            "removed": {".".join(p) for p in old.keys() - now.keys()}}


def listed(text: str) -> dict:
    """What the report lists, read from its Markdown."""
    parts = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M))
    keys = lambda part: re.findall(r"^- (?:[^`\n]*: )?`([^`]+)`", parts.get(part, ""), flags=re.M)  # noqa: E731
    flips = set()
    for line in re.findall(r"^- .*$", parts.get("Conclusions that flipped", ""), flags=re.M):
        kind = next(k for k in STATEMENTS if line.startswith(f"- {title(k)}: "))
        flips.add((kind, re.search(r"`([^`]+)`", line).group(1)))
    place = {}
    for part in ("Numbers that left their interval", "Other quoted numbers that changed"):
        for key, where in re.findall(r"^- `([^`]+)` .*?; (inside|outside) the base's", parts.get(part, ""), flags=re.M):
            place[key] = where
    flipped_numbers = {key for kind, key in flips if kind == "defined"}
    added = re.findall(r"^- added `([^`]+)`", parts.get("Numbers added or removed", ""), flags=re.M)
    removed = re.findall(r"^- removed `([^`]+)`", parts.get("Numbers added or removed", ""), flags=re.M)
    numbers = keys("Numbers that left their interval") + keys("Other quoted numbers that changed")
    assert len(numbers) == len(set(numbers)), "a number listed twice"
    return {"numbers": set(numbers) | flipped_numbers, "flips": flips, "place": place,
            "added": set(added), "removed": set(removed)}


def regenerated(workdir: Path, tmp_path: Path, change) -> tuple[Path, dict, dict]:
    """The base's results kept aside, ``change`` made to the data, the pipeline run again."""
    base = tmp_path / "base"
    shutil.copytree(workdir / "results", base)
    change(workdir)
    snakemake(workdir, "--cores", "2")
    return base, json.loads((base / "numbers.json").read_text()), json.loads((workdir / "results/numbers.json").read_text())


def make_changes(workdir: Path, *variables: str) -> subprocess.CompletedProcess:
    """The Makefile's `changes` target in ``workdir``, with this interpreter's environment."""
    return subprocess.run(["make", "-s", "-f", str(REPO / "Makefile"), "-o", ".venv/.installed", "changes",
                           f"BIN={Path(sys.executable).parent}", *variables], cwd=workdir, capture_output=True,
                          text=True)


def test_make_changes_after_a_new_seed_names_every_change_and_the_flip_it_was_built_for(rerun_copy, tmp_path):
    workdir = rerun_copy
    git(workdir, "init", "-q")
    git(workdir, "add", "results")
    git(workdir, "commit", "-qm", "base")
    done = make_changes(workdir)  # the committed results/ are the output folder's: one line
    assert done.returncode == 0 and done.stdout.count("\n") == 1, done.stdout + done.stderr
    assert done.stdout.startswith("Nothing changed: results/ has the same quoted numbers, statements and files as HEAD")
    # a new CAPO seed scoring 100 % where EvoPromptGA was bold (84.40 against 84.33)
    base, old, new = regenerated(workdir, tmp_path, lambda w: add_seed(w, CELL, "seed45", 1.0))
    expected = differences(old, new)
    assert ("best_optimizer", "mistral.agnews") in expected["flips"] and expected["place"]
    done = make_changes(workdir)
    assert done.returncode == 0, done.stderr
    text = (workdir / "changes.md").read_text()
    assert done.stdout.startswith(text) and not (workdir / "results/changes.md").exists()
    assert listed(text) == expected
    assert ("- Best optimizer of a model and dataset (the scores table's bold): `mistral.agnews`: "
            "EvoPromptGA → CAPO") in text
    assert "- numbers changed: `numbers.json`, `numbers.tex`" in text and "`tables/optimizer_scores.tex`" in text
    assert "- the paper's optimization section quotes" in text
    assert "outside" in expected["place"].values()  # the case moves a number beyond its spread
    assert make_changes(workdir, "FAIL_ON=flipped").returncode == 2  # make's status for a failing recipe
    assert make_changes(workdir, "FAIL_ON=outside").returncode == 2
    by_path = changes_command(workdir, "--base", str(base / "numbers.json"), "--fail-on", "flipped",
                              "--markdown", str(tmp_path / "c.md"))
    assert by_path.returncode == 1 and listed(by_path.stdout) == expected  # the same against a folder of one's own


def test_make_changes_after_a_removed_seed_lists_exactly_the_numbers_that_differ(rerun_copy, tmp_path):
    cell = rerun_copy / "data/capo/main_results/gsm8k/qwen/EvoPromptGA"
    base, old, new = regenerated(rerun_copy, tmp_path, lambda w: shutil.rmtree(cell / "seed43"))
    expected = differences(old, new)
    assert expected["numbers"] and not expected["added"] and not expected["removed"]
    done = changes_command(rerun_copy, "--base", str(base), "--fail-on", "outside",
                           "--markdown", str(tmp_path / "changes.md"))
    assert listed(done.stdout) == expected
    assert done.returncode == (1 if "outside" in expected["place"].values() else 0), done.stderr
    assert (tmp_path / "changes.md").read_text() in done.stdout
    flipped = changes_command(rerun_copy, "--base", str(base), "--fail-on", "flipped", "--markdown", str(tmp_path / "c.md"))
    assert flipped.returncode == (1 if expected["flips"] else 0)


def test_a_new_dataset_is_one_line_and_no_addition_says_none():
    """From the new-user trial: against a base with other routing datasets, every number of a
    dataset had a line of its own (529 lines for two datasets)."""
    base = {"routing": {"a": {"P_slm": 0.5, "logits": {"apgr": 0.6}}}}
    new = {"routing": {"a": {"P_slm": 0.5, "logits": {"apgr": 0.6, "cpt_50_pct": 30.0}},
                       "b": {"P_slm": 0.4, "logits": {"apgr": 0.7, "cpt_50_pct": 20.0}}}}
    text = markdown(compare(base, new), None, {}, base, new, "results", "HEAD")
    section = text.split("## Numbers added or removed")[1].split("##")[0]
    assert [line for line in section.splitlines() if line.startswith("- added `")] == [
        "- added `routing.a.logits.cpt_50_pct` = 30.0",
        "- added `routing.b`: 3 numbers, e.g. `routing.b.P_slm` = 0.400"]
    back = markdown(compare(new, base), None, {}, new, base, "results", "HEAD")
    assert "- removed `routing.b`: 3 numbers, e.g. `routing.b.P_slm` (was 0.400)" in back
    changed = {"routing": {"a": {"P_slm": 0.6, "logits": {"apgr": 0.6}}}}
    text = markdown(compare(base, changed), None, {}, base, changed, "results", "HEAD")
    assert text.split("## Numbers added or removed")[1].split("##")[0].split() == ["None."]
