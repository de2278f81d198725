"""Every shape of input runs: each shape is built from a subset or a small edit of the
bundled data and run end to end through every artifact, the report's views and the
paper; a shape the pipeline cannot analyse stops with one line saying what is missing.
No shape ends in a traceback.

Each shape is one Snakemake run (module-scoped, shared by its assertions) on tiny
data: one or two datasets, one or two seeds, routing data cut to a few dozen queries
and few resamples, so that a shape takes seconds.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, shared_folder, snakemake
from test_paper import (NUMBER, findings, named_after, paragraphs, placeholders, printed, prose, prose_words,
                        sentence_count, wrong_plurals)

from llmcost.changes import compare, markdown
from llmcost.numbers import macro_name
from llmcost.outputs import read_csv
from llmcost.paper import Quote, has_no_baseline, scores_case, sections
from llmcost.statements import STATEMENTS

RUNS = Path("data/capo/main_results")
AUTOMIX = Path("data/automix")
QUERIES = 40  # router queries kept per dataset
ARTIFACT_DIRS = ("tokens", "optimization", "routing", "tables", "figures")
FAST = {"routing": {"bootstrap": {"resamples": 20}, "holdout": {"splits": 3}}}


def copy_runs(workdir: Path, cells, seeds=(42,), rename=None, keep=lambda path: True) -> Path:
    """Copy the bundled runs of ``cells`` ((dataset, model, optimizer)) and ``seeds`` to
    ``shape/runs``, renaming each part through ``rename`` and keeping the files ``keep`` accepts."""
    rename = rename or {}
    root = workdir / "shape/runs"
    for dataset, model, optimizer in cells:
        for seed in seeds:
            source = workdir / RUNS / dataset / model / optimizer / f"seed{seed}"
            target = root / rename.get(dataset, dataset) / rename.get(model, model) / \
                rename.get(optimizer, optimizer) / f"seed{seed}"
            shutil.copytree(source, target, ignore=lambda folder, names: [
                n for n in names if (Path(folder) / n).is_file() and not keep(Path(folder) / n)])
    return root


def copy_routing(workdir: Path, datasets, queries: int = QUERIES, rename=None) -> dict:
    """The first ``queries`` queries of the bundled router datasets, as plain .jsonl."""
    rename = rename or {}
    folder = workdir / "shape/routing"
    folder.mkdir(parents=True, exist_ok=True)
    for dataset in datasets:
        name = rename.get(dataset, dataset)
        for kind, source in (("logits", f"logits_entropy/{dataset}_answerlogits.jsonl.gz"),
                             ("router", f"router_data/router_data_{dataset}.jsonl.gz")):
            lines = gzip.decompress((workdir / AUTOMIX / source).read_bytes()).decode().splitlines()
            (folder / f"{name}.{kind}.jsonl").write_text("\n".join(lines[:queries]) + "\n")
    return {"logits": f"{folder}/{{dataset}}.logits.jsonl", "router": f"{folder}/{{dataset}}.router.jsonl"}


def no_test_scores(workdir: Path, root: Path) -> None:
    for log in root.rglob("step_results_eval.csv.gz"):
        frame = pd.read_csv(log)
        log.unlink()
        frame.drop(columns=["test_score"]).to_csv(log.with_suffix(""), index=False)


def swap_models(router: Path) -> None:
    """The router file with the small and the large model's performance swapped: the large model is worse."""
    records = [json.loads(line) for line in router.read_text().splitlines()]
    for record in records:
        record["perf_slm"], record["perf_llm"] = record["perf_llm"], record["perf_slm"]
    router.write_text("".join(json.dumps(record) + "\n" for record in records))


#: names in several scripts, with spaces and LaTeX specials (braces: see BRACES)
NAMES = {"agnews": "Новости дня", "copa": "新闻 & 日本語", "llama": "Λάμα_1", "mistral": "mis%tral~$\\",
         "cnli_short": "ニュース #1", "coqa_short": "qa^2 ~x"}


#: the shapes whose routing data is the first queries of one bundled dataset
ONE_ROUTER = {"no racing logs", "no test scores", "one optimizer", "one run", "no token runs",
              "braces in a dataset name", "braces in the runs folder"}


def shape_config(workdir: Path, name: str) -> dict:
    """Make the shape's data in ``workdir`` and return its config (tokens, optimization, routing)."""
    one_router = copy_routing(workdir, ["cnli_short"]) if name in ONE_ROUTER else None
    if name == "no racing logs":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("agnews", "llama", "EvoPromptGA"),
                                   ("copa", "qwen", "CAPO")], keep=lambda p: p.name != "prompt_scores.parquet")
        return {"tokens": {"runs": str(runs)}, "routing": one_router}
    if name == "no test scores":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("agnews", "qwen", "EvoPromptGA")])
        no_test_scores(workdir, runs)
        return {"tokens": {"runs": str(runs)}, "routing": one_router}
    if name == "one optimizer":
        runs = copy_runs(workdir, [("agnews", "llama", "EvoPromptGA"), ("copa", "mistral", "EvoPromptGA")],
                         seeds=(42, 43))
        return {"tokens": {"runs": str(runs), "table_optimizer": "EvoPromptGA"}, "routing": one_router}
    if name == "one run":
        runs = copy_runs(workdir, [("gsm8k", "qwen", "CAPO")])
        return {"tokens": {"runs": str(runs)}, "routing": one_router}
    if name == "different models":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("agnews", "mistral", "CAPO"),
                                   ("copa", "qwen", "CAPO"), ("copa", "qwen", "EvoPromptGA")], seeds=(42, 43))
        return {"tokens": {"runs": str(runs)}, "routing": copy_routing(workdir, ["cnli_short", "coqa_short"])}
    if name == "names":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("copa", "mistral", "CAPO"),
                                   ("copa", "llama", "EvoPromptGA")], rename=NAMES)
        return {"tokens": {"runs": str(runs)},
                "routing": copy_routing(workdir, ["cnli_short", "coqa_short"], rename=NAMES)}
    if name == "braces in a dataset name":
        return {"tokens": {"runs": str(copy_runs(workdir, [("agnews", "llama", "CAPO")], rename={"agnews": "ag{news}"}))},
                "routing": one_router}
    if name == "braces in the runs folder":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO")])
        braced = workdir / "shape/proj{1}/runs"
        braced.parent.mkdir(parents=True)
        return {"tokens": {"runs": str(runs.rename(braced))}, "routing": one_router}
    if name == "braces in a router dataset name":
        return {"tokens": {"runs": str(copy_runs(workdir, [("agnews", "llama", "CAPO")]))},
                "routing": copy_routing(workdir, ["cnli_short"], rename={"cnli_short": "cnli{short}<x>"})}
    if name == "one query":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO")])
        return {"tokens": {"runs": str(runs)}, "routing": copy_routing(workdir, ["cnli_short"], queries=1)}
    if name == "uneven coverage":  # issue 26's cases
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("copa", "llama", "CAPO"),
                                   ("agnews", "llama", "EvoPromptGA")])
        routing = copy_routing(workdir, ["cnli_short", "coqa_short"])
        swap_models(Path(routing["router"].replace("{dataset}", "cnli_short")))
        return {"tokens": {"runs": str(runs)}, "routing": routing}
    if name == "no routing data":  # a project of prompt-optimization runs only: routing switched off
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO"), ("agnews", "llama", "EvoPromptGA")])
        return {"tokens": {"runs": str(runs)}, "routing": {"logits": None, "router": None}}
    if name == "no routing datasets":
        runs = copy_runs(workdir, [("agnews", "llama", "CAPO")])
        (workdir / "shape/routing").mkdir(parents=True)
        return {"tokens": {"runs": str(runs)}, "routing": {"logits": f"{workdir}/shape/routing/{{dataset}}.l.jsonl",
                                                           "router": f"{workdir}/shape/routing/{{dataset}}.r.jsonl"}}
    if name == "no token runs":
        (workdir / "shape/runs").mkdir(parents=True)
        return {"tokens": {"runs": str(workdir / "shape/runs")}, "routing": one_router}
    raise ValueError(name)


def merged(config: dict, extra: dict) -> dict:
    for key, value in extra.items():
        config[key] = merged(config.get(key) or {}, value) if isinstance(value, dict) else value
    return config


class Shape:
    """One shape's run: its folder, its output folder, and what Snakemake printed."""

    def __init__(self, workdir: Path, returncode: int, output: str):
        self.workdir, self.out = workdir, workdir / "out"
        self.returncode, self.output = returncode, output

    def numbers(self) -> dict:
        return json.loads((self.out / "numbers.json").read_text())


RUNS_SHAPES = ["no racing logs", "no test scores", "one optimizer", "one run", "different models", "names",
               "one query", "uneven coverage", "no routing data"]
STOP_SHAPES = {"no routing datasets": r"no file matches this pattern \(config routing\.logits\)",
               "no token runs": r"no runs found",
               "braces in a dataset name": r"shape/runs/ag\{news\}: a brace or angle bracket in the name of a dataset",
               "braces in the runs folder": r"shape/proj\{1\}: a brace or angle bracket in the name of the runs folder",
               "braces in a router dataset name": r"cnli\{short\}<x>\.logits\.jsonl: a brace or angle bracket in the name"}


#: config a shape sets over FAST
SHAPE_CONFIG = {"uneven coverage": {"routing": {"bootstrap": {"resamples": 0}}}}


def run_shape(workdir: Path, name: str, paper: bool) -> dict:
    """Make the shape in ``workdir`` and run every artifact (and the paper) on it: Snakemake's exit
    status and output."""
    copy_workflow(workdir)
    config = merged(merged(merged(shape_config(workdir, name), FAST), SHAPE_CONFIG.get(name, {})), {"output": "out"})
    (workdir / "shape.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    targets = ["all", "paper/main.pdf"] if paper else ["all"]
    result = snakemake(workdir, *targets, "--cores", "2", "--configfile", "shape.yaml", check=False)
    return {"returncode": result.returncode, "output": result.stdout + result.stderr}


@pytest.fixture(scope="session")
def shapes(tmp_path_factory):
    """``shapes(name)``: the shape's run of every artifact and, where pdflatex is installed, the
    paper; each shape runs once for all the tests that ask for it (in any test process)."""
    runs = {}
    paper = shutil.which("pdflatex") is not None

    def run(name: str) -> Shape:
        if name not in runs:
            folder, made = shared_folder(tmp_path_factory, "shape_" + re.sub(r"\W", "_", name),
                                         lambda workdir: run_shape(workdir, name, paper))
            runs[name] = Shape(folder, **made)
        return runs[name]
    return run


@pytest.mark.parametrize("name", RUNS_SHAPES)
def test_a_shape_runs_through_every_artifact_and_view(shapes, name):
    shape = shapes(name)
    assert "Traceback" not in shape.output, shape.output[-4000:]
    assert shape.returncode == 0, shape.output[-4000:]
    artifacts = [p for p in shape.out.rglob("*") if p.is_file()]
    routing_off = name == "no routing data"
    expected = set(ARTIFACT_DIRS) - ({"routing"} if routing_off else set())
    assert {p.relative_to(shape.out).parts[0] for p in artifacts} >= expected
    assert routing_off == (not [p for p in artifacts if "routing" in p.relative_to(shape.out).as_posix()])
    assert all(p.stat().st_size > 0 for p in artifacts)
    views = list((shape.workdir / ".build").rglob("report/**/*.html"))
    assert len(views) == len([p for p in artifacts if p.suffix in (".tex", ".csv", ".json")
                              and p.name != "curve.csv"])
    assert "RuntimeWarning" not in shape.output, shape.output[-4000:]
    macros = re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", (shape.out / "numbers.tex").read_text())
    assert len(macros) == len(set(macros)) > 20


def macro(*path) -> str:
    return f"\\{macro_name(path)}{{}}"


def quoted_in(text: str, *macros: str) -> list[str]:
    """``macros``, each of which ``text`` quotes."""
    assert all(m in text for m in macros), [m for m in macros if m not in text]
    return list(macros)


def says_no_racing_logs(numbers: dict, texts: dict) -> list[str]:
    assert numbers["optimization"]["racing_saved_pct"] == {}
    assert "OptimizationRacingSaved" not in texts["optimization"]
    assert "\\ref{tab:racing}" in findings(texts, "optimization")[0]
    return []


def says_no_test_scores(numbers: dict, texts: dict) -> list[str]:
    assert scores_case(Quote(numbers)) == "no score" and "ScoreAtTableBudget" not in texts["optimization"]
    return []


def says_one_optimizer(numbers: dict, texts: dict) -> list[str]:
    tokens = numbers["tokens"]
    assert (tokens["runs_count"], tokens["tasks_count"]) == ({"EvoPromptGA": 4}, {"EvoPromptGA": 2})
    return quoted_in(findings(texts, "tokens")[0], macro("tokens", "runs_count", "EvoPromptGA"),
                     macro("tokens", "tasks_count", "EvoPromptGA"))


def says_one_run(numbers: dict, texts: dict) -> list[str]:
    tokens = numbers["tokens"]
    assert (tokens["runs_count"], tokens["tasks_count"]) == ({"CAPO": 1}, {"CAPO": 1})
    return quoted_in(findings(texts, "tokens")[0], macro("tokens", "runs_count", "CAPO"),
                     macro("tokens", "tasks_count", "CAPO"))


def says_different_models(numbers: dict, texts: dict) -> list[str]:
    # EvoPromptGA ran on copa only: its share there is named with its dataset
    share = macro("tokens", "downstream_share_by_dataset_pct", "EvoPromptGA", "copa")
    assert list(numbers["tokens"]["downstream_share_by_dataset_pct"]["EvoPromptGA"]) == ["copa"]
    assert named_after(texts["tokens"], share, ["agnews", "copa"]) == ["copa"]
    return quoted_in(texts["tokens"], share)


def says_names(numbers: dict, texts: dict) -> list[str]:
    return []  # the name of a model in the PDF: test_a_shape_has_a_paper_with_its_numbers


def says_one_query(numbers: dict, texts: dict) -> list[str]:
    assert has_no_baseline(Quote(numbers), "cnli_short")
    assert not re.search(r"\\RoutingCnliShort[A-Za-z]*Apgr", texts["routing"])  # no APGR without a baseline
    return []


def says_uneven_coverage(numbers: dict, texts: dict) -> list[str]:
    optimization = numbers["optimization"]
    assert scores_case(Quote(numbers)) == "averaged"
    assert (optimization["score_at_table_budget_tasks_count"], optimization["tasks_count"]) == (1, 2)
    return quoted_in(findings(texts, "optimization")[0], macro("optimization", "score_at_table_budget_tasks_count"),
                     macro("optimization", "tasks_count"))


def says_no_routing_data(numbers: dict, texts: dict) -> list[str]:
    routing = texts["routing"]
    assert numbers["routing"] == {} and not NUMBER.findall(routing)
    assert sentence_count(prose(routing)) == 1 and "\\begin{" not in routing  # no finding, table or figure
    return []


#: per shape: what its paper says that the bundled paper does not, checked on the sections made
#: from its numbers (the case taken); it returns the macros whose values the PDF must print
SHAPE_CASES = {"no racing logs": says_no_racing_logs, "no test scores": says_no_test_scores,
               "one optimizer": says_one_optimizer, "one run": says_one_run, "different models": says_different_models,
               "names": says_names, "one query": says_one_query, "uneven coverage": says_uneven_coverage,
               "no routing data": says_no_routing_data}


def paper_text(shape: Shape, pdftotext: str) -> str:
    """The PDF's words, without the page numbers (the last line of each page, before its form feed:
    a sentence running over a page break would read "the large 5 model")."""
    text = subprocess.run([pdftotext, str(shape.workdir / "paper/main.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(re.sub(r"\n\d+\n\s*\f", "\n\f", text).split())


def plain(tex: str) -> str:
    """A sentence of a generated section as the PDF reads it (for one without macros or math)."""
    return " ".join(re.sub(r"\\texttt\{([^}]*)\}", r"\1", prose(tex)).replace("\\_", "_").split())


@pytest.mark.parametrize("name", RUNS_SHAPES)
def test_a_shape_has_a_paper_with_its_numbers(shapes, name, pdflatex, pdftotext):
    shape = shapes(name)
    text = paper_text(shape, pdftotext)
    numbers = shape.numbers()
    tex = (shape.out / "numbers.tex").read_text()
    values = dict(re.findall(r"\\newcommand\{(\\[A-Za-z]+)\}\{(.*)\}% ", tex))
    first = next(iter(numbers["tokens"]["downstream_share_pct"]))
    assert f"{values[macro('tokens', 'downstream_share_pct', first)[:-2]]} %" in text
    for optimizer in ("CAPO", "EvoPromptGA"):
        assert (optimizer in text) == (optimizer in numbers["tokens"]["runs_count"]), optimizer
    texts = sections(numbers, next(iter(numbers["tokens"]["runs_count"])))
    for quoted in SHAPE_CASES[name](numbers, texts):
        assert values[quoted[:-2]] in text, quoted
    if name == "names":
        assert NAMES["mistral"].split("~")[0] in text  # a model's name with a LaTeX special, as printed
    if name == "no routing data":  # the routing section's one sentence, printed
        assert plain(texts["routing"]) in text.replace("’", "'")


@pytest.mark.parametrize("name", RUNS_SHAPES)
def test_a_shapes_paper_has_no_placeholder_and_no_wrong_plural(shapes, name, pdflatex, pdftotext):
    """Issue 26: no "[missing]", "nan", "None", "??" or "1 datasets" in the PDF's text. A name without a
    font prints as a boxed ? (the names shape): there every ? is one of the places the log counts (the
    log counts each time TeX sets one, also in boxes it measures before it prints them), and an
    undefined reference ("??") stops the build instead (build_paper.py)."""
    shape = shapes(name)
    text = paper_text(shape, pdftotext)
    assert not re.findall(r"\[missing\]|\bnan\b|\bNaN\b|\bNone\b", text), text
    assert wrong_plurals(text) == []
    log = (shape.workdir / "logs/out/paper.log").read_text()
    boxed = re.search(r"print as a boxed \? in (\d+) places", log)
    if boxed:
        assert 0 < text.count("?") <= int(boxed.group(1))
    else:
        assert "??" not in text and "?" not in text


@pytest.mark.parametrize("name", RUNS_SHAPES)
def test_a_shapes_sections_open_with_their_findings_and_say_nothing_untrue(shapes, name):
    """The sections made from a shape's numbers.json: findings first (at most three sentences for
    tokens and optimization, at most five one-sentence findings for routing), the routing prose short
    with at most 12 numbers a paragraph, and no placeholder or wrong plural in any of them."""
    numbers = shapes(name).numbers()
    texts = sections(numbers, next(iter(numbers["tokens"]["runs_count"])))
    for section in ("tokens", "optimization"):
        assert sentence_count(findings(texts, section)[0]) <= 3, section
    if numbers["routing"]:
        items = findings(texts, "routing")
        assert 1 <= len(items) <= 5 and all(sentence_count(item) == 1 for item in items), items
        assert prose_words(texts["routing"]) <= 600
        assert max(len(NUMBER.findall(p)) for p in paragraphs(texts["routing"])) <= 12
    assert placeholders(printed(numbers)) == []


def test_uneven_coverage_compares_on_common_ground_with_true_notes(shapes):
    """Issue 26's cases end to end: CAPO on agnews and copa, EvoPromptGA on agnews only, one run each;
    a router dataset whose large model is worse; routing.bootstrap.resamples 0."""
    shape = shapes("uneven coverage")
    numbers = shape.numbers()
    scores = read_csv(shape.out / "optimization/scores.csv").query("budget_tokens == 5e6")
    agnews = scores.set_index(["dataset", "optimizer"])["test_score_mean_pct"]
    assert numbers["optimization"]["score_at_table_budget_pct"] == {
        "CAPO": agnews[("agnews", "CAPO")], "EvoPromptGA": agnews[("agnews", "EvoPromptGA")]}
    assert numbers["optimization"]["comparison"]["CAPO_vs_EvoPromptGA"]["verdict"] == "too few runs"
    table = (shape.out / "tables/optimizer_scores.tex").read_text()
    evo = next(line for line in table.splitlines() if " & EvoPromptGA & " in line)
    assert evo.split(" & ")[3] == r"--\textsuperscript{a}"  # copa: no run of EvoPromptGA
    assert r"$^{a}$ no run of this optimizer on this dataset and model" in table and "below 5M" not in table
    comparison = (shape.out / "tables/optimizer_comparison.tex").read_text()
    assert r"\textsuperscript{f}" in comparison and "Too few runs for a verdict" in comparison
    assert "boldmath" not in comparison
    routing = (shape.out / "tables/routing_ibc.tex").read_text()
    assert r"No IBC baseline for cnli\_short" in routing
    metrics = (shape.out / "tables/routing_metrics.tex").read_text()
    assert "No bootstrap intervals: routing.bootstrap.resamples is 0." in metrics and "Small type" not in metrics


def test_no_racing_logs_give_an_empty_racing_table_with_a_note_and_no_racing_numbers(shapes):
    shape = shapes("no racing logs")
    assert "No run has a racing log" in (shape.out / "tables/racing_savings.tex").read_text()
    assert shape.numbers()["optimization"]["racing_saved_pct"] == {}
    view = next((shape.workdir / ".build").rglob("report/tables/racing_savings.tex.html")).read_text()
    assert "No run has a racing log (prompt_scores.parquet): nothing to report." in view


def test_names_in_other_scripts_are_kept_and_get_one_macro_each(shapes):
    shape = shapes("names")
    runs = read_csv(shape.out / "tokens/runs.csv")
    assert set(runs["dataset"]) == {NAMES["agnews"], NAMES["copa"]}
    assert set(runs["model"]) == {NAMES["llama"], NAMES["mistral"]}
    tex = (shape.out / "numbers.tex").read_text()
    for dataset in (NAMES["agnews"], NAMES["copa"]):
        assert f"% tokens.downstream_share_by_dataset_pct.CAPO.{dataset}\n" in tex


def test_the_paper_says_in_how_many_places_a_name_has_no_font(shapes, pdflatex):
    log = (shapes("names").workdir / "logs/out/paper.log").read_text()
    assert re.search(r"paper: WARNING: characters of names .* print as a boxed \? in \d+ places", log), log
    assert "boxed" not in (shapes("one run").workdir / "logs/out/paper.log").read_text()


def test_without_routing_data_the_numbers_have_no_routing_and_its_statements_are_empty(shapes):
    numbers = shapes("no routing data").numbers()
    assert numbers["routing"] == {} and "routing_config" not in numbers
    assert numbers["statements"]["best_router"] == {} and numbers["statements"]["verifier_pays"] == {}
    assert numbers["routing_comparison"] == {} and numbers["statements"]["router_comparison"] == {}
    assert "Routing" not in (shapes("no routing data").out / "numbers.tex").read_text()


@pytest.mark.parametrize("name", [name for name in RUNS_SHAPES if name != "no routing data"])
def test_a_shapes_router_comparison_is_defined_or_says_why(shapes, name):
    shape = shapes(name)
    comparison = read_csv(shape.out / "routing/comparison.csv")
    undefined = comparison[comparison["verdict"] == "undefined"]
    assert undefined["note"].notna().all() and comparison.loc[comparison["verdict"] != "undefined", "note"].isna().all()
    assert (comparison["difference"].isna() <= comparison["verdict"].eq("undefined")).all()
    numbers = shape.numbers()
    said = numbers["statements"]["router_comparison"]
    for row in comparison.itertuples(index=False):
        assert said[row.dataset][f"{row.router_a}_vs_{row.router_b}"][row.metric.lower()] == row.verdict
    if name == "uneven coverage":  # no resamples: differences without intervals; cnli_short has no baseline
        assert comparison["ci_low"].isna().all() and (comparison["verdict"] == "undefined").all()
        no_baseline = comparison[(comparison["dataset"] == "cnli_short") & (comparison["metric"] == "APGR")]
        assert no_baseline["difference"].isna().all() and no_baseline["note"].str.startswith("no baseline").all()
    if name == "one query":
        assert comparison.loc[comparison["metric"] == "APGR", "difference"].isna().all()


def test_one_router_pattern_null_and_the_other_not_stops_with_one_line(tmp_path):
    workdir = copy_workflow(tmp_path / "half")
    (workdir / "half.yaml").write_text("routing:\n  logits: null\n")
    result = snakemake(workdir, "-n", "--configfile", "config.yaml", "half.yaml", check=False)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
    assert result.returncode != 0 and errors == [
        "Error: config routing.logits is null but routing.router is not: set both to file patterns with "
        "{dataset} (the routing analysis), or both to null (none)."]


def test_a_one_query_router_dataset_warns_once(shapes):
    shape = shapes("one query")
    warnings = [line for line in shape.output.splitlines() if "too few for a held-out choice" in line]
    assert len(warnings) == 1, shape.output


@pytest.mark.parametrize("name", STOP_SHAPES)
def test_a_shape_without_inputs_stops_with_one_line(tmp_path_factory, name):
    workdir = tmp_path_factory.mktemp(re.sub(r"\W", "_", name))
    shape = Shape(workdir, **run_shape(workdir, name, paper=False))
    assert shape.returncode != 0 and "Traceback" not in shape.output
    errors = [line for line in shape.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and re.search(STOP_SHAPES[name], errors[0]), shape.output


@pytest.mark.parametrize("name", RUNS_SHAPES)
def test_a_shapes_numbers_carry_statements_and_intervals_and_compare_with_the_bundled_ones(shapes, name):
    numbers = shapes(name).numbers()
    assert set(numbers["statements"]) == set(STATEMENTS) and isinstance(numbers["intervals"], dict)
    bundled = json.loads((REPO / "results/numbers.json").read_text())
    for base, new in ((bundled, numbers), (numbers, bundled)):  # names in any script, parts absent
        changes = compare(base, new)
        text = markdown(changes, None, {}, base, new, "out", "HEAD")
        assert (changes.removed if base is bundled else changes.added) and "## Numbers added or removed" in text
    assert markdown(compare(numbers, numbers), None, {}, numbers, numbers, "out", "HEAD").count("\n") == 1
