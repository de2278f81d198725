"""The HTML report (`snakemake --report`): every published artifact is in it, and every table's
and data file's numbers can be read in it, not only downloaded.

Snakemake embeds each result as a data URI in a JSON object of the page (``var results``) and
shows images and HTML inside the page; other files are download links. So each artifact must be
an entry labelled with its published path whose bytes are the published file's, and each table
and data file (but the exact curves) must have a "(table)" entry, an HTML page holding its
numbers. The last test opens the report in headless Chromium and checks that every figure
displays and every table's page is painted; it is skipped, saying so, where Chromium is absent.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from chromium import Chromium
from conftest import REPO, shared_folder, snakemake, system_tool

from llmcost.publish import MANIFEST

VIEWED = (".tex", ".csv", ".json")


@pytest.fixture(scope="session")
def report(pipeline_run, tmp_path_factory) -> Path:
    """The report of the shared pipeline run, built once on a copy of it."""
    def make(workdir):
        shutil.copytree(pipeline_run, workdir, symlinks=True)
        snakemake(workdir, "--report", "report.html")
    return shared_folder(tmp_path_factory, "report", make)[0]


def page_variable(html: str, name: str):
    """A JSON value the report page assigns to ``var name`` in its own script element."""
    match = re.search(rf'<script id="[a-z-]+">\s*var {name} = (.*?);\n\s*</script>', html, re.S)
    assert match, f"no `var {name}` in the report"
    return json.loads(match.group(1))


def data(entry) -> bytes:
    return base64.b64decode(entry["data_uri"].split("base64,", 1)[1])


@pytest.fixture(scope="module")
def entries(report) -> dict[str, dict]:
    """The report's entries by their label (the published path, "(table)" for the readable copy)."""
    results = page_variable((report / "report.html").read_text(encoding="utf-8"), "results")
    return {entry["labels"]["artifact"]: {**entry, "path": path}
            for path, entry in results.items() if entry["labels"]}


def published(report) -> list[str]:
    """The published artifacts (not publishing's own list of them, the manifest)."""
    root = report / "results"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")
                  if path.is_file() and path.name != MANIFEST)


class Text(HTMLParser):
    """The text of a page, and its tables' cells row by row."""

    def __init__(self, page: str):
        super().__init__()
        self.text, self.tables, self.rows, self._cell = [], [], [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.rows.append([])
            self.tables[-1].append(self.rows[-1])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, value):
        self.text.append(value)
        if self._cell is not None:
            self._cell.append(value)

    def __str__(self):
        return " ".join(self.text)


def test_every_published_artifact_is_in_the_report_with_its_bytes(report, entries):
    artifacts = published(report)
    assert len(artifacts) > 40 and not [a for a in artifacts if a.endswith(".html")]  # views stay out
    for artifact in artifacts:
        assert artifact in entries, f"{artifact} is not in the report"
        assert data(entries[artifact]) == (report / "results" / artifact).read_bytes(), artifact
        assert entries[artifact]["caption"].strip(), f"{artifact} has no caption"


def test_every_table_and_data_file_has_a_readable_copy(report, entries):
    for artifact in published(report):
        if not artifact.endswith(VIEWED) or artifact.endswith("/curve.csv"):
            continue
        view = entries.get(f"{artifact} (table)")
        assert view is not None, f"{artifact} has no readable copy in the report"
        assert view["mime_type"] == "text/html"  # shown in the page, not downloaded
        assert view["caption"] == entries[artifact]["caption"]


def numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d+\.\d+", text))


def test_every_number_of_every_table_is_in_its_readable_copy(report, entries):
    tables = [a for a in published(report) if a.startswith("tables/")]
    assert len(tables) == 9
    for artifact in tables:
        tex = (report / "results" / artifact).read_text()
        shown = Text(data(entries[f"{artifact} (table)"]).decode())
        missing = numbers(tex) - numbers(str(shown))
        assert not missing, f"{artifact}: {sorted(missing)[:5]} not in its readable copy"
        assert numbers(tex), artifact
        assert "\\" not in str(shown) and "$" not in str(shown), f"{artifact}: LaTeX markup shown"
        assert len(shown.tables) == 1, f"{artifact}: a table of the paper's width is split in its copy"


def test_every_macro_of_numbers_tex_is_in_its_readable_copy(report, entries):
    tex = (report / "results/numbers.tex").read_text()
    shown = str(Text(data(entries["numbers.tex (table)"]).decode()))
    macros = re.findall(r"\\newcommand\{\\([A-Za-z]+)\}\{([^}]*)\}", tex)
    assert len(macros) > 150
    missing = [name for name, _ in macros if name not in shown]
    assert not missing, missing[:5]


def rejoined(tables: list[list[list[str]]]) -> list[list[str]]:
    """The rows of a table that the view split into tables of consecutive columns, joined
    again: each later table repeats the first's leading (key) columns, row for row."""
    first, *rest = tables
    keys = len(os.path.commonprefix([first[0], *(table[0] for table in rest)])) if rest else 0
    rows = [list(row) for row in first]
    for table in rest:
        assert len(table) == len(rows) and all(a[:keys] == b[:keys] for a, b in zip(table, first))
        for row, more in zip(rows, table):
            row.extend(more[keys:])
    return rows


def test_every_csv_cell_is_in_its_readable_copy(report, entries):
    split = 0
    for artifact in [a for a in published(report) if a.endswith(".csv") and not a.endswith("/curve.csv")]:
        rows = list(csv.reader(io.StringIO((report / "results" / artifact).read_text())))
        tables = Text(data(entries[f"{artifact} (table)"]).decode()).tables
        split += len(tables) > 1
        assert rejoined(tables) == rows, artifact  # header and every row, cell for cell, as the file has them
    assert split, "no CSV view was split to fit the window: the rejoining goes untested"


def leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def test_every_json_number_is_in_its_readable_copy(report, entries):
    for artifact in [a for a in published(report) if a.endswith(".json")]:
        document = json.loads((report / "results" / artifact).read_text())
        shown = set(re.split(r"[\s,;]+", str(Text(data(entries[f"{artifact} (table)"]).decode()))))
        expected = {json.dumps(leaf) for leaf in leaves(document)
                    if isinstance(leaf, (int, float)) and not isinstance(leaf, bool)}
        assert expected and not expected - shown, f"{artifact}: {sorted(expected - shown)[:5]}"


def test_captions_of_tables_and_data_state_values_not_config_keys(report, entries):
    for artifact, entry in entries.items():
        caption = entry["caption"]
        if artifact.startswith("figures/") or artifact.endswith((".png", ".pdf")):
            continue  # the figures' captions are checked with the figures
        assert "{{" not in caption and "{%" not in caption and "{dataset}" not in caption, artifact
        assert not re.search(r"\b(tokens|routing|optimization)\.[a-z_]+\b(?!\.)", re.sub(
            r"<tt.*?</tt>", "", caption)), f"{artifact} names a config key: {caption}"
    caption = {artifact: " ".join(entry["caption"].split()) for artifact, entry in entries.items()}
    assert "optimizer <strong>CAPO</strong> (45 runs, 3 seeds per cell)" in caption["tables/token_fraction.tex"]
    assert "(45 runs, 3 seeds per cell)" in caption["tables/token_usage.tex"]
    assert "5,000,000 cumulative input tokens" in caption["tables/optimizer_scores.tex"]
    assert "at least 5 % of queries" in caption["tables/routing_ibc.tex"]
    assert "large model 20, verifier 4: keeping costs 5 per query, routing 25" in caption["routing/summary.json"]
    assert "95 % bootstrap intervals over 1000 resamples" in caption["tables/routing_metrics.tex"]
    assert "<strong>qasper_short</strong>" in caption["routing/datasets/qasper_short/metrics.json"]
    assert "90 runs found under" in caption["tokens/runs.csv"]
    assert "(2000 resamples of each task" in caption["tables/optimizer_comparison.tex"]
    assert "over 2000 resamples" in caption["optimization/comparison.csv"]


def test_landing_page_states_the_inputs_used(report):
    page = page_variable((report / "report.html").read_text(encoding="utf-8"), "workflow_desc")
    assert "90 runs of\n5 datasets (agnews, copa, gsm8k, sst-5, subj)" in page
    assert "4 datasets (cnli_short, coqa_short, narrative_qa_short, qasper_short)" in page
    assert "data/capo/main_results" in page and "<strong>CAPO</strong>" in page


def test_landing_page_without_routing_data_says_so(tmp_path):
    """The page as Snakemake renders it (jinja2 with the config and the report's categories), for a
    project whose router patterns are null: one sentence, no pattern or cost printed as None."""
    import jinja2
    import yaml

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["routing"].update(logits=None, router=None)
    template = jinja2.Template((REPO / "workflow/report/workflow.rst").read_text())
    page = " ".join(template.render(snakemake=SimpleNamespace(config=config), categories={}).split())
    assert ("**Routing**: none (config routing.logits and routing.router are null: a project without "
            "routing data).") in page
    assert "None" not in page and "verifier" not in page


#: the report's counted nouns (singular -> plural)
NOUNS = {"run": "runs", "dataset": "datasets", "model": "models", "optimizer": "optimizers", "seed": "seeds",
         "threshold": "thresholds", "bootstrap resample": "bootstrap resamples", "resample": "resamples",
         "split": "splits", "permutation": "permutations"}


def wrong_counts(text: str) -> list[str]:
    """Counts with the wrong number of their noun ("1 runs", "2 dataset") and lists of names under it
    ("seeds 42", "seed 42, 43")."""
    text = " ".join(text.split())
    one, many = "|".join(NOUNS), "|".join(NOUNS.values())
    name = r"(?:\d+|[dmors]\d+)"  # a seed, or a name of captions_rendered
    return (re.findall(rf"(?<![\w.,])1 (?:{many})\b", text)
            + re.findall(rf"(?<![\w.,])(?:0|[2-9]|\d{{2,}}) (?:{one})\b(?!s)", text)
            + re.findall(rf"\b(?:{many}) {name}(?=[;:.)]| and| \()", text)
            + re.findall(rf"\b(?:{one}) {name}, {name}", text))


def captions_rendered(count: int) -> dict[str, str]:
    """Every caption (and the landing page) as Snakemake renders it (jinja2, trim_blocks and
    lstrip_blocks), for ``count`` runs of ``count`` datasets, models, optimizers and seeds (one
    seed per cell), ``count`` router datasets, thresholds, held-out splits and resamples of the
    comparison (19 permutations, the fewest allowed), ``count - 1`` bootstrap resamples and routers paying a
    verifier (none, one, two); anything else left undefined."""
    import jinja2

    names = lambda stem: [f"{stem}{i}" for i in range(count)]  # noqa: E731
    found = {"runs": count, "datasets": names("d"), "models": names("m"), "optimizers": names("o"),
             "seeds": list(range(42, 42 + count)), "seeds_per_cell": [1, 1]}
    params = SimpleNamespace(found=found, optimizer_found=found, optimizer="o0", datasets=names("r"),
                             thresholds={"count": count, "spacing": "linear"}, root="runs", budgets=[1e6, 5e6],
                             table_budget=5e6, costs={"slm": 1, "llm": 20, "verifier": 4}, min_routed_share=0.05,
                             bootstrap={"resamples": count - 1, "seed": 0},
                             holdout={"splits": count, "seed": 0, "calibration_fraction": 0.5},
                             verifier_routers=["confidence", "entropy"][:count - 1], confidence_thresholds=[0.5],
                             comparison={"resamples": count, "permutations": 19, "seed": 0})  # at least 19
    records = [SimpleNamespace(job=SimpleNamespace(rule=SimpleNamespace(name=name), params=params))
               for name in ("token_summary", "routing_summary")]
    config = {"output": "results", "tokens": {"runs": "runs", "table_optimizer": "o0"},
              "optimization": {"budgets": [1e6, 5e6]},
              "routing": {"logits": "l", "router": "r", "costs": {"slm": 1, "llm": 20, "verifier": 4},
                          "min_routed_share": 0.05}}
    snakemake = SimpleNamespace(params=params, config=config,
                                input=SimpleNamespace(summaries=names("s"), metrics=names("s"), steps=names("s")),
                                wildcards=SimpleNamespace(dataset="r0"))
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined)
    return {path.name: environment.from_string(path.read_text()).render(
                snakemake=snakemake, categories={"c": {"s": records}})
            for path in sorted((REPO / "workflow/report").glob("*.rst"))}


def test_the_check_of_counted_nouns_finds_what_it_should():
    assert wrong_counts("1 runs of 2 dataset (d0, d1), seeds 42; seed 42, 43 and 3 optimizer") == [
        "1 runs", "2 dataset", "3 optimizer", "seeds 42", "seed 42, 43"]
    assert wrong_counts("1 run of 2 datasets (d0, d1), seed 42; seeds 42, 43; 1 seed per cell; 0.1 runs") == []


@pytest.mark.parametrize("count", [1, 2, 3])
def test_every_caption_counts_in_the_singular_and_the_plural(count):
    """One run, dataset, model, optimizer, seed: the singular; several: the plural. Before: "1 runs",
    "1 datasets", "seeds 42"."""
    captions = captions_rendered(count)
    assert f"{count} run{'s' * (count > 1)} of\n{count} dataset{'s' * (count > 1)} (" in captions["workflow.rst"]
    paying = {1: "(0 for every router)", 2: "(4 for the self-verification\nrouter, 0 for the others)",
              3: "(4 for the self-verification and entropy\nrouters, 0 for the others)"}[count]
    assert paying in captions["routing_automix_table.rst"]
    assert ("without intervals (0 bootstrap resamples)" if count == 1 else f"over {count - 1} bootstrap resample"
            ) in captions["routing_metrics_dataset.rst"]
    for name, text in captions.items():
        assert wrong_counts(text) == [], name


# --- in a browser --------------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Runs in the loaded report: waits for the report's App, then shows every entry as the report's
#: own view manager does (what the eye button does), waits until it is displayed (at most 10 s),
#: and returns per entry what is displayed: an image's natural width, or the iframe's size and the
#: width its page takes in it.
MEASURE = """
(async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const until = async (find) => {
    for (let waited = 0; waited < 10000; waited += 20) {
      const found = find();
      if (found) return found;
      await sleep(20);
    }
    return null;
  };
  await until(() => typeof app !== "undefined" && app);  // the report's App sets it when React first renders it
  window.__manager = new ToggleViewManager(app);
  window.__displayed = (entry) => until(() => {
    const img = document.querySelector("img[src='" + entry.data_uri + "']");
    const frame = document.querySelector("iframe");
    return img || (frame && frame.src === entry.data_uri && frame);
  });
  const shown = {};
  for (const [path, entry] of Object.entries(results)) {
    if (!entry.mime_type.startsWith("image/") && entry.mime_type !== "text/html") continue;
    __manager.handleSelectedResult(path);
    const element = await __displayed(entry);
    if (element && element.tagName === "IMG") {
      if (!element.complete) await new Promise((resolve) => element.addEventListener("load", resolve));
      shown[path] = {kind: "img", width: element.naturalWidth, height: element.naturalHeight};
    } else if (element) {
      // the same page as the frame's own document (a data: URI's is closed to this page)
      const bytes = Uint8Array.from(atob(entry.data_uri.split(",")[1]), (c) => c.charCodeAt(0));
      const loaded = new Promise((resolve) => element.addEventListener("load", resolve, {once: true}));
      element.srcdoc = new TextDecoder().decode(bytes);
      await loaded;
      const view = element.contentDocument.documentElement;
      shown[path] = {kind: "iframe", width: element.offsetWidth, height: element.offsetHeight,
                     content_width: view.scrollWidth, view_width: view.clientWidth};
      element.removeAttribute("srcdoc");
    }
  }
  return shown;
})()
"""
#: Shows one entry (its path in the page's results) and waits until it is in the page.
SHOW = """
(async () => {
  __manager.handleSelectedResult(%(path)s);
  return !!(await __displayed(results[%(path)s]));
})()
"""


def dark_share(shot: Path) -> float:
    """The share of dark pixels (text) where the report's content goes, right of the navigation
    bar, in a screenshot; an empty frame leaves that area blank."""
    from PIL import Image
    pixels = Image.open(shot).convert("L")
    content = np.asarray(pixels.crop((pixels.width // 5, 0, pixels.width * 3 // 5, pixels.height // 4)))
    return float((content < 80).mean())


def painted(browser: Chromium, shot: Path, timeout: float = 10.0) -> float:
    """The dark share of a screenshot, taken again until the page has painted text (at most
    ``timeout`` seconds): a frame paints its page a moment after it is in the page."""
    deadline = time.monotonic() + timeout
    while (dark := dark_share(browser.screenshot(shot))) <= 0.01 and time.monotonic() < deadline:
        time.sleep(0.1)
    return dark


def test_in_chromium_every_figure_displays_and_every_table_is_painted_and_fits_the_window(report, entries, tmp_path):
    """One browser loads the report once; every entry is shown in it, then each table again for a
    screenshot (a 1,400 x 1,000 window)."""
    path = system_tool(BROWSERS, "sudo apt-get install chromium (CI installs it)")
    with Chromium(path, tmp_path / "chromium.log", width=1400, height=1000) as browser:
        browser.open(report / "report.html")
        displayed = browser.evaluate(MEASURE)
        for artifact, entry in entries.items():
            path = entry["path"]
            if artifact.endswith(".png"):
                assert displayed.get(path, {}).get("width", 0) > 100, f"figure {artifact} does not display"
            if artifact.endswith(" (table)"):
                shown = displayed.get(path, {})
                assert shown.get("kind") == "iframe" and shown["width"] > 300 and shown["height"] > 300, \
                    f"{artifact} is not shown in the page"
                # no horizontal scrolling in a 1,400-pixel window: long cells wrap or the table is split
                assert shown["content_width"] <= shown["view_width"], \
                    f"{artifact} is {shown['content_width']} px wide in a {shown['view_width']} px frame"
        # each table's page is painted: dark text (its title and cells) where the report's content goes
        for artifact in [a for a in entries if a.startswith("tables/") and a.endswith(" (table)")]:
            assert browser.evaluate(SHOW % {"path": json.dumps(entries[artifact]["path"])}), artifact
            dark = painted(browser, tmp_path / f"{artifact.split('/')[1].split('.')[0]}.png")
            assert dark > 0.01, f"{artifact}: its table is not visible ({dark:.3f} of the area is text)"


def test_a_table_too_wide_for_the_window_is_split_by_columns_repeating_its_keys():
    import pandas as pd
    from llmcost import report_html
    numbers = {f"column_{j}_of_a_wide_table": [f"{1234.5678901234 * (i + j):.10f}" for i in range(3)]
               for j in range(20)}
    frame = pd.DataFrame({"dataset": ["agnews", "copa", "subj"], "model": ["llama"] * 3, **numbers})
    shown = Text(report_html.table(frame.set_index(["dataset", "model"]), blank_repeats=False))
    assert len(shown.tables) > 1
    rows = [[*frame.columns], *frame.to_numpy().tolist()]
    assert rejoined(shown.tables) == rows
    for part in shown.tables:  # each part within the width: its numbers whole, its headers wrapped at "_"
        widths = [max(len(max(header.split("_"), key=len)), *(len(row[k]) for row in part[1:]))
                  for k, header in enumerate(part[0])]
        assert sum(w * report_html.CHAR_PX + report_html.PAD_PX for w in widths) <= report_html.WIDTH_PX
    narrow = Text(report_html.table(frame.iloc[:, :4].set_index(["dataset", "model"])))
    assert len(narrow.tables) == 1 and narrow.rows[2][:2] == ["copa", "llama"]  # a new block keeps its labels
