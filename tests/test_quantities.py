"""Every published quantity is declared once (llmcost/quantities.py), and what prints it reads that."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from conftest import REPO
from llmcost import quantities, routing_metrics
from llmcost.latex import LATEX
from llmcost.numbers import leaves, numbers_tex, quoted, shown
from llmcost.quantities import (BY_NAME, QUANTITIES, ROUTING_METRICS_TABLE, UNITS, curve_metrics_quoted,
                                exported_only, quantity_at, undeclared)
from llmcost.report_html import HTML
from llmcost.routing_tables import COLUMNS, routing_metrics_cells

NUMBERS = json.loads((REPO / "results/numbers.json").read_text())


def test_every_number_of_the_bundled_numbers_json_is_declared_and_exported_only_as_declared():
    assert undeclared(NUMBERS) == []
    paths = [path for path, _ in leaves(quoted(NUMBERS))]
    assert exported_only(NUMBERS) == [path for path in paths if not quantity_at(path).quoted]
    assert len(paths) > 150 and any(quantity_at(path).quoted for path in paths)


def test_each_quantity_is_declared_once_with_a_unit_labels_and_its_table_among_the_artifacts():
    names = [q.name for q in QUANTITIES]
    assert len(names) == len(set(names))
    paths = [path for q in QUANTITIES for path in q.paths()]
    assert len(paths) == len(set(paths))
    for q in QUANTITIES:
        assert q.unit in UNITS and q.latex and q.html and q.caption, q
        assert not q.table or (REPO / "results" / q.table).is_file(), q.table


def test_every_routing_metric_is_declared_by_its_name_in_metrics_json():
    for metric in routing_metrics.METRICS:
        assert BY_NAME[metric].source == "metrics.json", metric
    quoted_alone = curve_metrics_quoted()
    assert {"apgr", "cpt_50_pct"} <= {q.key for q in quoted_alone}
    assert all(q.source == "metrics.json" and not q.bounds for q in quoted_alone)


def test_a_quantity_is_found_by_its_whole_key_path_so_names_like_its_keys_cannot_pass_for_it():
    # a dataset named like a quantity's key or with a unit's suffix: the quantity is the one its path declares
    assert quantity_at(("routing", "apgr", "logits", "cpt_50_pct")) is BY_NAME["CPT_50"]
    assert quantity_at(("routing", "runs_count", "logits", "apgr")) is BY_NAME["APGR"]
    assert shown(("routing", "x_count", "logits", "apgr"), 0.65364) == "0.654"  # the old suffix rule: "1"
    assert quantity_at(("routing", "P_slm", "P_slm")) is BY_NAME["P_SLM"]
    assert quantity_at(("routing", "d", "oracle", "best_delta_ibc_ci_low_pct")) is BY_NAME["best_delta_IBC"]
    assert quantity_at(("routing", "d", "logits", "heldout_delta_ibc_std_pct")) is BY_NAME["held_out_delta_IBC"]
    assert quantity_at(("tokens", "downstream_share_by_dataset_pct", "CAPO", "sst-5")) is \
        BY_NAME["downstream_share_by_dataset"]
    assert quantity_at(("tokens", "downstream_share_pct", "CAPO", "sst-5")) is None  # one level too deep
    assert quantity_at(("routing", "d", "logits", "no_such_key")) is None and quantity_at(()) is None


def test_exported_only_lists_the_numbers_of_a_quantity_declared_so(monkeypatch):
    before = exported_only(NUMBERS)
    cpt = BY_NAME["CPT_50"]
    monkeypatch.setattr(quantities, "QUANTITIES", tuple(dataclasses.replace(q, quoted=False) if q is cpt else q
                                                        for q in QUANTITIES))
    added = [path for path in exported_only(NUMBERS) if path not in before]
    assert added and all(path[-1] == "cpt_50_pct" for path in added)
    assert len(added) == sum(1 for _ in re.finditer(r"CptFiveZeroPct\}", (REPO / "results/numbers.tex").read_text()))


def test_both_markups_take_each_quantitys_label_and_no_mark_shares_a_quantitys_name():
    for q in QUANTITIES:
        assert LATEX.symbols[q.name] == q.latex and HTML.symbols[q.name] == q.html
    assert set(LATEX.symbols) == set(HTML.symbols)
    assert BY_NAME["CPT_50"].macro == "Routing{dataset}{router}CptFiveZeroPct"
    assert BY_NAME["frac_downstream_llm"].macro == "TokensDownstreamSharePct{optimizer}"


def test_the_routing_metrics_table_shows_the_declared_metrics_in_order_with_their_notes():
    names = [q.name for q in COLUMNS]
    assert [name for name in names if name in ("AIQ", "APGR", "CPT_50", "delta_IBC_5", "best_delta_IBC")] == [
        "AIQ", "APGR", "CPT_50", "delta_IBC_5", "best_delta_IBC"]
    header = (REPO / "results" / ROUTING_METRICS_TABLE).read_text().splitlines()[2]
    assert header == " & ".join(["Router", *(q.latex for q in COLUMNS), "Held-out"]) + r" \\"
    metrics = {path.parent.name: json.loads(path.read_text())
               for path in sorted((REPO / "results/routing/datasets").glob("*/metrics.json"))}
    blocks, notes = routing_metrics_cells(metrics, HTML)
    assert notes[1] == "CPT<sub>50</sub>: routed share (%) where PGR reaches 50 %. Δ<sub>IBC</sub> in %."
    label, values, intervals = blocks["cnli_short"][0]
    at = names.index("CPT_50")
    cpt = metrics["cnli_short"]["routers"]["logits"]["metrics"]["CPT_50"]
    assert values[at] == f"{100 * cpt['value']:.1f}"
    assert intervals[at] == f"<small>[{100 * cpt['ci_low']:.1f}, {100 * cpt['ci_high']:.1f}]</small>"


def test_numbers_tex_prints_each_number_with_its_declared_decimals():
    text = numbers_tex(NUMBERS)
    for q in QUANTITIES:
        for line in re.findall(rf"\\newcommand\{{\\([A-Za-z]+)\}}\{{([^}}]*)\}}% (\S+)", text):
            path = tuple(line[2].split("."))
            if quantity_at(path) is q and q.unit not in ("p-value", "word") and "Missing" not in line[1]:
                assert len(line[1].rpartition("}")[2].partition(".")[2]) == q.decimals, line


@pytest.mark.parametrize("key", ["tokens", "optimization", "routing", "routing_config"])
def test_each_section_of_numbers_json_has_its_declarations(key):
    assert any(q.path and q.path[0] == key for q in QUANTITIES)


def test_the_papers_exported_only_numbers_are_those_declared_so():
    from llmcost.paper import exported_only as paper_exported_only
    from llmcost.quantities import is_exported_only

    for q in QUANTITIES:
        for path in q.paths():
            path = tuple("x_vs_y" if part == "{pair}" else "x" if part.startswith("{") else part for part in path)
            assert paper_exported_only(path) == is_exported_only(path) == (not q.quoted), path
