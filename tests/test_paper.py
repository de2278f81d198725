"""The paper's numbers: one naming rule from keys to macros, every macro quoted, a paper that builds."""

import json
import re
import subprocess

import pytest
from conftest import REPO, snakemake

from llmcost.errors import InputError
from llmcost.numbers import macro_name, numbers_tex

MACRO = re.compile(r"\\newcommand\{\\([A-Za-z]+)\}")


def test_a_macro_name_is_the_key_path_with_digits_spelled_and_separators_stripped():
    assert macro_name(("routing", "cnli_short", "logits", "cpt_50_pct")) == "RoutingCnliShortLogitsCptFiveZeroPct"
    assert macro_name(("tokens", "downstream_share_by_dataset_pct", "CAPO", "sst-5")) == \
        "TokensDownstreamShareByDatasetPctCAPOSstFive"
    assert macro_name(("tokens", "x", "007")) == "TokensXZeroZeroSeven"


def test_names_that_collide_are_an_error_naming_both_keys():
    with pytest.raises(InputError, match=r"keys tokens\.share_pct\.sst-5 and tokens\.share_pct\.sst_5 both give "
                                         r"the macro \\TokensSharePctSstFive"):
        numbers_tex({"tokens": {"share_pct": {"sst-5": 1.0, "sst_5": 2.0}}})


def test_values_are_formatted_by_their_unit_and_a_missing_one_is_a_visible_marker():
    text = numbers_tex({"a": {"share_pct": {"x": 96.61364}, "hours": None, "gap": -0.12345,
                              "runs_count": 45, "size_millions": 5.0}})
    assert r"\newcommand{\ASharePctX}{96.6}" in text
    assert r"\newcommand{\AHours}{\NumberMissing}" in text and r"\providecommand{\NumberMissing}" in text
    assert r"\newcommand{\AGap}{\ensuremath{-}0.123}" in text
    assert r"\newcommand{\ARunsCount}{45}" in text and r"\newcommand{\ASizeMillions}{5.00}" in text


def test_the_bundled_numbers_are_the_artifacts_and_every_macro_is_unique():
    numbers = json.loads((REPO / "results/numbers.json").read_text())
    assert numbers["tokens"]["downstream_share_pct"]["CAPO"] == pytest.approx(96.6136400759536, abs=1e-9)
    assert numbers["optimization"]["racing_saved_pct"]["CAPO"] == pytest.approx(43.97877, abs=1e-4)
    assert numbers["routing"]["cnli_short"]["logits"]["best_delta_ibc_pct"] == pytest.approx(65.807, abs=1e-3)
    names = MACRO.findall((REPO / "results/numbers.tex").read_text())
    assert len(names) == len(set(names)) > 150
    assert r"\newcommand{\TokensDownstreamSharePctCAPO}{96.6}" in (REPO / "results/numbers.tex").read_text()


def test_the_paper_quotes_every_macro_and_only_defined_ones():
    defined = set(MACRO.findall((REPO / "results/numbers.tex").read_text()))
    tex = (REPO / "paper/main.tex").read_text()
    used = set(re.findall(r"\\((?:Tokens|Optimization|Routing)[A-Za-z]+)", tex))
    assert defined - used == set(), "macros the paper never quotes"
    assert used - defined == set(), "macros the paper quotes that numbers.tex does not define"


def pdf_text(workdir, pdftotext):
    return subprocess.run([pdftotext, str(workdir / "paper/main.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_paper_builds_and_follows_a_changed_number(rerun_copy, pdflatex, pdftotext):
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf")
    text = pdf_text(rerun_copy, pdftotext)
    assert "consumes 96.6 % of the input tokens under CAPO" in text
    before = re.search(r"reach a test score of ([\d.]+) %", text).group(1)
    assert before == "79.7"
    # another table budget changes the quoted score; rerunning the target rebuilds the PDF
    snakemake(rerun_copy, "--cores", "2", "paper/main.pdf", "--config", "optimization={'table_budget': 3000000}")
    after = re.search(r"reach a test score of ([\d.]+) %", pdf_text(rerun_copy, pdftotext)).group(1)
    assert after == "79.2"  # CAPO's mean over cells at 3e6 tokens (79.22), in scores.csv
    log = (rerun_copy / "logs/paper.log").read_text()
    assert "built from results/" in log


# --- every figure's text at least 6 points as printed -----------------------------------------

MIN_PRINTED_PT = 6.0
INCH = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72.27, "bp": 1 / 72}
PAPERS = {"letterpaper": (8.5, 11.0), "a4paper": (210 / 25.4, 297 / 25.4), "a5paper": (148 / 25.4, 210 / 25.4),
          "legalpaper": (8.5, 14.0), "executivepaper": (7.25, 10.5), "b5paper": (176 / 25.4, 250 / 25.4)}


def inches(length: str) -> float:
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*(in|cm|mm|pt|bp)\s*", length).groups()
    return float(number) * INCH[unit]


def text_block(tex: str) -> tuple[float, float]:
    """(\\textwidth, \\textheight) in inches from the class options and geometry's margins
    (the paper size and margin options used here; any other geometry option fails the test)."""
    options = re.search(r"\\documentclass(?:\[([^]]*)\])?\{article\}", tex)
    assert options, "main.tex is not an article: teach text_block its text width"
    geometry = re.search(r"\\usepackage\[([^]]*)\]\{geometry\}", tex)
    assert geometry, "main.tex sets no geometry: teach text_block the class's default text width"
    chosen = [o.strip() for o in f"{options.group(1) or ''},{geometry.group(1)}".split(",") if o.strip()]
    width, height = PAPERS["letterpaper"]
    margins = {}
    for option in chosen:
        key, _, value = option.partition("=")
        if key in PAPERS:
            width, height = PAPERS[key]
        elif key in ("margin", "hmargin", "vmargin", "left", "right", "top", "bottom"):
            sides = {"margin": "lrtb", "hmargin": "lr", "vmargin": "tb"}.get(key, key[0])
            margins.update(dict.fromkeys(sides, inches(value)))
        else:
            assert re.fullmatch(r"\d+pt", key), f"text_block does not know the option {option}"
    assert set(margins) == set("lrtb"), f"margins not all given: {chosen}"
    return width - margins["l"] - margins["r"], height - margins["t"] - margins["b"]


def includes() -> list[tuple[str, str]]:
    """(options, path) of every \\includegraphics in the paper's sources: main.tex and the .tex
    files beside it or among the artifacts (parts of the paper may be generated there)."""
    sources = [REPO / "paper/main.tex", *sorted((REPO / "paper").rglob("*.tex")),
               *sorted((REPO / "results").rglob("*.tex"))]
    found = []
    for source in dict.fromkeys(sources):
        found += re.findall(r"\\includegraphics\s*(?:\[([^]]*)\])?\s*\{([^}]*)\}", source.read_text())
    return found


def printed_size(options: str, text: tuple[float, float]) -> tuple[float | None, float | None]:
    """(width, height) in inches that \\includegraphics' options ask for (None: not given)."""
    lengths = {"linewidth": text[0], "textwidth": text[0], "columnwidth": text[0], "textheight": text[1]}
    size = {"width": None, "height": None}
    for option in filter(None, (o.strip() for o in options.split(","))):
        key, _, value = (part.strip() for part in option.partition("="))
        if key in size:
            relative = re.fullmatch(r"([\d.]*)\s*\\(\w+)", value)
            size[key] = float(relative.group(1) or 1) * lengths[relative.group(2)] if relative else inches(value)
        else:
            assert key == "keepaspectratio", f"printed_size does not know \\includegraphics option {key}"
    return size["width"], size["height"]


def pdf_size_and_font_sizes(path) -> tuple[float, float, list[float]]:
    """A matplotlib PDF's page size (inches) and the size of every text it sets (points: its
    ``Tf`` operators; matplotlib places texts with rotations and translations only)."""
    import zlib
    data = path.read_bytes()
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]
    sizes = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        sizes += [float(size) for size in re.findall(rb"/[A-Za-z][\w.-]* ([\d.]+) Tf\b", content)]
    return (box[2] - box[0]) / 72, (box[3] - box[1]) / 72, sizes


def test_every_figure_of_the_paper_sets_its_text_at_6_points_or_more_as_printed():
    tex = (REPO / "paper/main.tex").read_text()
    text = text_block(tex)
    assert abs(text[0] - 489.1 / 72.27) < 0.01  # what pdflatex reports for main.tex's \textwidth
    figures = sorted(str(p.relative_to(REPO)) for p in (REPO / "results").rglob("*.pdf"))
    checked = {}
    for options, path in includes():
        # \resultsdir and any other macro (a generated part may loop over datasets) stand for a name
        pattern = re.sub(r"\\\\[A-Za-z]+|#\d", ".+", re.escape(path).replace(r"\#", "#")) + r"(\.pdf)?"
        for figure in [f for f in figures if re.fullmatch(pattern, f)]:
            width, height = printed_size(options, text)
            fig_width, fig_height, sizes = pdf_size_and_font_sizes(REPO / figure)
            # with keepaspectratio the tighter of the two; without, a figure given both is distorted
            # and its text is as small as the smaller scale makes it
            scale = min((s for s in (width and width / fig_width, height and height / fig_height) if s),
                        default=1.0)
            assert sizes, f"{figure}: no text found"
            checked[figure] = min(sizes) * scale
    assert {"results/figures/token_usage.pdf", "results/figures/token_cumulative.pdf"} <= set(checked)
    assert len(checked) >= 5, checked
    small = {figure: round(size, 2) for figure, size in checked.items() if size < MIN_PRINTED_PT}
    assert not small, f"text printed under {MIN_PRINTED_PT} pt: {small}"
