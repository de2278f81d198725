"""LaTeX tables of the routing stage.

- ``routing_table``: per dataset and router the best delta_IBC among the swept
  thresholds, with its routed share, and the best of AutoMix's delta_IBC
  (``results/tables/routing_ibc.tex``).
- ``routing_metrics_table``: the curve metrics per dataset and router, oracle
  last (``results/tables/routing_metrics.tex``). Each dataset opens with its
  name on a line of its own; each router takes two lines: the value of each
  metric, then its 95 % bootstrap interval in small type.
- ``routing_automix_table``: AutoMix's delta_IBC (the verifier charged) and the
  verifier break-even cost, laid out the same way
  (``results/tables/routing_automix.tex``).

A missing value is an en dash in text mode, marked and explained under the table.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .latex import LATEX, booktabs, escape, fmt_number
from .quantities import AUTOMIX_TABLE, BY_NAME, ROUTING_METRICS_TABLE, table_columns
from .routing import ROUTER_LABELS
from .routing_comparison import ALL, NO_VERDICT

TABLE_LABELS = {"logits": "Log-prob.", "entropy": "Entropy", "confidence": "Self-verif."}


def _pct(share: float, m=LATEX) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + m.symbols["thin_pct"]


def routing_table(combined: Mapping[str, dict]) -> str:
    """Booktabs tabular: per dataset and router the best delta_IBC and its routed share, then
    the best of AutoMix's delta_IBC (the verifier charged) and its routed share.

    A dagger marks a router whose higher value at a routed share below
    ``min_routed_share`` was excluded as unstable; a note row under the table
    lists each excluded value. A dataset without an IBC baseline (the large
    model is not better) shows a dash, marked and explained by a note; so does
    AutoMix's column where llm is not above slm.
    """
    frame, notes = routing_table_cells(combined, LATEX)
    text = booktabs(frame, column_format="lrrl" + "r" * len(frame.columns))
    width = frame.index.nlevels + len(frame.columns)
    text = text.replace("\\bottomrule\n", "\\bottomrule\n" + "\n".join(
        rf"\multicolumn{{{width}}}{{@{{}}l}}{{\footnotesize " + note + r"}\\" for note in notes) + "\n")
    return _space_between_datasets(text)


#: The two definitions in the table: (summary keys of the best point and of the unstable points,
#: the sweep field, how a note names it, the quantities of its two columns: routed share, best value)
DEFINITIONS = (("best", "unstable", "delta_IBC", "", BY_NAME["best_swept_routed_share"],
                BY_NAME["best_swept_delta_IBC"]),
               ("best_automix", "unstable_automix", "delta_IBC_automix", "AutoMix ",
                BY_NAME["best_swept_automix_routed_share"], BY_NAME["best_swept_delta_IBC_automix"]))
P_SLM, P_LLM = BY_NAME["P_SLM"], BY_NAME["P_LLM"]


def routing_table_cells(combined: Mapping[str, dict], m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_table`` written in markup ``m`` (the first four columns as the
    index), and its notes."""
    s = m.symbols
    rows, unstable_notes, no_baseline, no_automix, none_routed = [], [], [], [], set()
    for dataset, summary in combined.items():
        if summary["no_baseline"]:
            no_baseline.append(m.text(dataset))
        elif summary.get("no_automix_baseline"):
            no_automix.append(m.text(dataset))
        cells = []
        for router, result in summary["routers"].items():
            row = [m.text(dataset), m.number(summary["P_slm"], P_SLM.in_table),
                   m.number(summary["P_llm"], P_LLM.in_table), TABLE_LABELS[router]]
            for best_key, unstable_key, field, named, share, value in DEFINITIONS:
                best = result.get(best_key) or {"lm2_ratio": math.nan, field: math.nan}
                delta = m.number(value.in_unit(best[field]), value.in_table)
                routed = m.number(share.in_unit(best["lm2_ratio"]), share.in_table)
                mark = ""
                if summary["no_baseline"]:
                    mark = "ddagger"
                elif field == "delta_IBC_automix" and summary.get("no_automix_baseline"):
                    mark = "para"
                elif result.get(best_key) is None:  # no swept threshold routes the minimum share
                    mark = "section"
                    none_routed.add(_pct(summary["min_routed_share"], m))
                if mark:
                    delta, routed = delta + s[mark], routed + s[mark]
                unstable = result.get(unstable_key) or []
                if unstable:
                    top = max(unstable, key=lambda p: p[field])
                    delta += s["dagger"]
                    unstable_notes.append(f"{m.text(dataset)}, {TABLE_LABELS[router].lower()}: {named}"
                                          f"{fmt_number(top[field], 1)}{s['thin_pct']} at "
                                          f"{_pct(top['lm2_ratio'], m)} routed")
                row += [routed, delta]
            cells.append(row)
        rows += cells
    columns = ["Dataset", s[P_SLM.name], s[P_LLM.name], "Router",
               *(f"{s[q.name]} ({s['pct']})" for *_, share, value in DEFINITIONS for q in (share, value))]
    frame = pd.DataFrame(rows, columns=columns).set_index(columns[:4])
    notes = []
    if unstable_notes:
        shares = {_pct(summary["min_routed_share"], m) for summary in combined.values()}
        notes.append(f"{s['dagger']} Higher value excluded as unstable (under "
                     + " / ".join(sorted(shares)) + " of queries routed):")
        notes += [s["quad"] + note for note in unstable_notes]
    if no_baseline:
        notes.append(f"{s['ddagger']} No IBC baseline for " + ", ".join(no_baseline)
                     + f": {s['P_LLM']} is not above {s['P_SLM']} by more than one query's "
                       f"swing, so {s['delta_IBC']} is undefined.")
    if none_routed:
        notes.append(f"{s['section']} No swept threshold routes at least " + " / ".join(sorted(none_routed))
                     + " of queries with a defined " + s["delta_IBC"] + ".")
    if no_automix:
        notes.append(f"{s['para']} No AutoMix baseline for " + ", ".join(no_automix)
                     + ": the large model's cost is not above the small model's.")
    notes.append(f"{s['delta_IBC']}: the notebook's, the verifier cancels; {s['delta_IBC_automix']}: "
                 "AutoMix's, the verifier charged to "
                 + _charged(combined) + ".")
    return frame, notes


def _charged(combined: Mapping[str, dict]) -> str:
    """The routers that pay the verifier, as the table labels them ("no router" if none)."""
    routers = next(iter(combined.values()), {}).get("verifier_routers", [])
    labels = [ROUTER_LABELS.get(router, router).lower() for router in routers]
    return " and ".join(labels) if labels else "no router"


def _space_between_datasets(text: str) -> str:
    lines = text.splitlines()
    body_start = lines.index(r"\midrule") + 1
    out = lines[:body_start + 1]
    for line in lines[body_start + 1:]:
        if line and not line.startswith((" ", "\\")):
            out.append(r"\addlinespace")
        out.append(line)
    return "\n".join(out) + "\n"


LABELS = {**TABLE_LABELS, "oracle": "Oracle"}
NO_BASELINE, NOT_APPLICABLE, NO_SPLIT, NO_INTERVAL = "dagger", "ddagger", "section", "para"
#: the table's curve metrics (metrics.json), in their declared order (quantities.py), then held-out
COLUMNS = table_columns(ROUTING_METRICS_TABLE, source="metrics.json")
HELD_OUT = BY_NAME["held_out_delta_IBC"]  # delta_IBC, mean over splits; small type: +- std


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _interval(low, high, quantity, m) -> str:
    """The interval in small type, in the quantity's unit with its interval decimals."""
    if _missing(low) or _missing(high):
        return ""
    digits = quantity.in_interval
    return m.small(m.math(f"[{quantity.in_unit(low):.{digits}f}, {quantity.in_unit(high):.{digits}f}]"))


def _estimate_cells(estimate: Mapping, quantity, m, marks: set, resamples: int) -> tuple[str, str]:
    """A metric's value (a dash and the no-baseline mark if missing) and its interval (small type;
    with resamples none of which gives a value, the value is marked: no interval), in the unit
    and with the decimals its declaration (quantities.py) gives for its table."""
    if _missing(estimate["value"]):
        marks.add(NO_BASELINE)
        return m.missing + m.symbols[NO_BASELINE], ""
    value = m.number(quantity.in_unit(estimate["value"]), quantity.in_table)
    interval = _interval(estimate["ci_low"], estimate["ci_high"], quantity, m)
    if not interval and resamples:
        marks.add(NO_INTERVAL)
        value += m.symbols[NO_INTERVAL]
    return value, interval


def _held_out_cells(name: str, held: Mapping, has_baseline: bool, m, marks: set,
                    quantity=HELD_OUT) -> tuple[str, str]:
    """The held-out mean (marked where no split gave a value, a dash for the oracle) and, in small
    type, the std over splits and how many splits gave a value if not all."""
    s, digits = m.symbols, quantity.in_table
    if name == "oracle":
        return m.missing + s[NOT_APPLICABLE], ""
    mark = "" if held["n_defined"] else NO_BASELINE if not has_baseline else NO_SPLIT
    marks.add(mark)
    spread = "" if _missing(held["std"]) else f"{s['pm_thin']}{held['std']:.{digits}f}"
    partial = 0 < held["n_defined"] < held["splits"]
    spread += f" ({held['n_defined']} of {held['splits']} splits)" if partial else ""
    return m.number(held["mean"], digits) + (s[mark] if mark else ""), m.small(spread.strip()) if spread else ""


def _rows(result: Mapping, m, marks: set) -> list[tuple]:
    """Per router: its label, each metric's value and each one's interval (small type)."""
    rows = []
    for name, entry in result["routers"].items():
        cells = [_estimate_cells(entry["metrics"][q.name], q, m, marks, result["bootstrap"]["resamples"])
                 for q in COLUMNS]
        cells.append(_held_out_cells(name, entry["held_out_delta_IBC"], result["has_baseline"], m, marks))
        values, intervals = zip(*cells)
        rows.append((LABELS[name], list(values), list(intervals)))
    return rows


def _tabular(blocks: Mapping[str, list], notes: list[str], headers: list[str], row_header: str = "Router") -> str:
    """A booktabs tabular of ``blocks`` (per dataset its routers' (label, values, intervals)):
    each dataset's name above its rows, each router on two lines (values, then intervals),
    5 pt between columns, the notes under the bottom rule."""
    rows = {dataset: [row for label, values, intervals in block
                      for row in ((label, *values), ("", *intervals))] for dataset, block in blocks.items()}
    columns = [row_header, *headers]
    frame = pd.DataFrame([row for block in rows.values() for row in block], columns=columns).set_index(row_header)
    # 5 pt between columns instead of 12, short headers and notes of a line each:
    # the table fits a plain article's text width
    text = booktabs(frame, column_format="l" + r"@{\hspace{5pt}}r" * (len(columns) - 1))
    width = len(columns)
    footer = "\n".join(rf"\multicolumn{{{width}}}{{@{{}}l}}{{\footnotesize {note}}}\\" for note in notes)
    text = _dataset_headings(text, {dataset: len(block) for dataset, block in rows.items()}, width)
    return text.replace("\\bottomrule\n", "\\bottomrule\n" + footer + "\n")


def _view_frame(blocks: Mapping[str, list], headers: list[str], m, row_header: str = "Router") -> pd.DataFrame:
    """The cells of ``blocks`` a row per dataset and router, the interval under the value."""
    rows = {(m.text(dataset), label): [f"{value}<br>{interval}" if interval else value
                                       for value, interval in zip(values, intervals)]
            for dataset, block in blocks.items() for label, values, intervals in block}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=headers)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Dataset", row_header])
    return frame


def _metrics_headers(m) -> list[str]:
    return [*(m.symbols[q.name] for q in COLUMNS), m.symbols[HELD_OUT.name]]


def routing_metrics_table(by_dataset: Mapping[str, Mapping]) -> str:
    """Booktabs tabular of AIQ, APGR, CPT(50 %), delta_IBC_5, in-sample best delta_IBC and
    held-out delta_IBC (mean +- std over splits), per dataset and router, oracle last.

    ``by_dataset`` maps a dataset to its ``routing_resampling.dataset_metrics``
    (plain or through ``to_jsonable``). Each router takes two lines: its values,
    then their intervals in small type.
    """
    blocks, notes = routing_metrics_cells(by_dataset, LATEX)
    return _tabular(blocks, notes, _metrics_headers(LATEX))


def routing_metrics_frame(by_dataset: Mapping[str, Mapping], m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_metrics_table`` in markup ``m``, a row per dataset and router
    (the interval under the value in each cell), and its notes."""
    blocks, notes = routing_metrics_cells(by_dataset, m)
    return _view_frame(blocks, _metrics_headers(m), m), notes


def _resamples_note(by_dataset: Mapping[str, Mapping], m, marks: set) -> str:
    """What the small type is: the bootstrap's resamples (none: no intervals), and the mark of a
    value whose resamples give no interval."""
    s = m.symbols
    resamples = sorted({result["bootstrap"]["resamples"] for result in by_dataset.values()})
    shown = [count for count in resamples if count]
    note = (f"Small type: 95{s['thin_pct']} bootstrap interval ({' / '.join(map(str, shown))} resamples)"
            + ("; none where routing.bootstrap.resamples is 0." if 0 in resamples else ".") if shown else
            "No bootstrap intervals: routing.bootstrap.resamples is 0.")
    if NO_INTERVAL in marks:
        note += f" {s[NO_INTERVAL]} No resample of the queries gives a value: no interval."
    return note


def routing_metrics_cells(by_dataset: Mapping[str, Mapping], m) -> tuple[dict, list[str]]:
    """Per dataset its routers' (label, values, intervals) in markup ``m``, and the notes."""
    s, marks = m.symbols, set()
    blocks = {dataset: _rows(result, m, marks) for dataset, result in by_dataset.items()}
    notes = [_resamples_note(by_dataset, m, marks),
             *(q.note_text(s) for q in COLUMNS if q.note),
             f"Held-out: {s['delta_IBC']} of a threshold chosen on",
             f"{s['quad']}calibration queries, on the others; mean {s['pm']} std over splits."]
    if NO_BASELINE in marks:
        notes.append(s[NO_BASELINE] + f" No baseline: {s['gap']} at most one query's swing.")
    if NO_SPLIT in marks:
        notes.append(s[NO_SPLIT] + " No split gave a held-out value.")
    notes.append(s[NOT_APPLICABLE] + " Not applicable: the oracle knows each query's performance.")
    return blocks, notes


# --- AutoMix's delta_IBC and the verifier break-even cost ------------------------------------

#: the table's columns, in their declared order (quantities.py): the verifier charge, AutoMix's best
#: delta_IBC and its routed share, the held-out value, the verifier break-even cost
AUTOMIX_COLUMNS = table_columns(AUTOMIX_TABLE)


def _automix_headers(m) -> list[str]:
    return [m.symbols[q.name] + (f" ({m.symbols['pct']})" if q.name.endswith("routed_share") else "")
            for q in AUTOMIX_COLUMNS]


def _automix_rows(result: Mapping, m, marks: set) -> list[tuple]:
    """Per router: its verifier charge, AutoMix's best delta_IBC with its interval and routed
    share, the held-out value (chosen and scored by AutoMix's delta_IBC), the break-even cost."""
    charge, best, routed, held_out, break_even = AUTOMIX_COLUMNS
    rows = []
    for name, entry in result["routers"].items():
        resamples = result["bootstrap"]["resamples"]
        share = entry["best_delta_IBC_automix_routed_share"]
        cells = [(m.number(entry["verifier_charge"], charge.in_table), ""),
                 _estimate_cells(entry["metrics"][best.name], best, m, marks, resamples),
                 (m.missing if _missing(share) else m.number(routed.in_unit(share), routed.in_table), ""),
                 _held_out_cells(name, entry["held_out_delta_IBC_automix"], result["has_automix_baseline"], m,
                                 marks, held_out),
                 _estimate_cells(entry["metrics"][break_even.name], break_even, m, marks, resamples)]
        values, intervals = zip(*cells)
        rows.append((LABELS[name], list(values), list(intervals)))
    return rows


def routing_automix_cells(by_dataset: Mapping[str, Mapping], m) -> tuple[dict, list[str]]:
    """Per dataset its routers' (label, values, intervals) of ``routing_automix_table`` in
    markup ``m``, and the notes."""
    s, marks = m.symbols, set()
    blocks = {dataset: _automix_rows(result, m, marks) for dataset, result in by_dataset.items()}
    costs = sorted({(r["costs"]["slm"], r["costs"]["llm"]) for r in by_dataset.values()})
    shares = sorted({_pct(r["min_routed_share"], m) for r in by_dataset.values()})
    times, at_least = s["times"], s["geq"]
    notes = [_resamples_note(by_dataset, m, marks),
             "Verifier: paid per query. A query costs slm + verifier",
             f"{s['quad']}+ routed share {times} llm ("
             + " / ".join(f"slm {slm:g}, llm {llm:g}" for slm, llm in costs) + ").",
             f"Best {s['delta_IBC_automix']} ({s['pct']}): over thresholds routing"
             f" {' / '.join(shares)} or more.",
             f"Held-out: chosen and scored by {s['delta_IBC_automix']}.",
             "Break-even: the largest verifier cost at which",
             f"{s['quad']}some threshold still has {s['delta_IBC_automix']} {at_least} 0."]
    if NO_BASELINE in marks:
        if any(r["has_baseline"] and not r["has_automix_baseline"] for r in by_dataset.values()):
            notes.append(s[NO_BASELINE] + " No AutoMix baseline: llm is not above slm.")
        if any(not r["has_baseline"] for r in by_dataset.values()):
            notes.append(s[NO_BASELINE] + f" No baseline: {s['gap']} at most one query's swing.")
    if NO_SPLIT in marks:
        notes.append(s[NO_SPLIT] + " No split gave a held-out value.")
    notes.append(s[NOT_APPLICABLE] + " Not applicable: the oracle knows each query's performance.")
    return blocks, notes


def routing_automix_table(by_dataset: Mapping[str, Mapping]) -> str:
    """Booktabs tabular per dataset and router (oracle last): the verifier charge, AutoMix's
    in-sample best delta_IBC (its interval, its routed share), the held-out value (mean +- std
    over splits) and the verifier break-even cost (its interval)
    (``results/tables/routing_automix.tex``)."""
    blocks, notes = routing_automix_cells(by_dataset, LATEX)
    return _tabular(blocks, notes, _automix_headers(LATEX))


def routing_automix_frame(by_dataset: Mapping[str, Mapping], m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_automix_table`` in markup ``m`` for the report's view, and its notes."""
    blocks, notes = routing_automix_cells(by_dataset, m)
    return _view_frame(blocks, _automix_headers(m), m), notes


def _dataset_headings(text: str, row_counts: Mapping[str, int], width: int) -> str:
    """Each dataset's name in italics above its rows, a little space between datasets."""
    lines = text.splitlines()
    position = lines.index(r"\midrule") + 1
    out = lines[:position]
    for i, (dataset, count) in enumerate(row_counts.items()):
        out += [r"\addlinespace"] * (i > 0)
        out.append(rf"\multicolumn{{{width}}}{{@{{}}l}}{{\textit{{{escape(dataset)}}}}}\\")
        out += lines[position:position + count]
        position += count
    return "\n".join(out + lines[position:]) + "\n"


# --- The routers compared pair by pair ---------------------------------------------------------

#: metric of comparison.csv (its header: the markup's symbol of that name) -> decimals
COMPARISON_COLUMNS = {"APGR": 3, "AIQ": 3, "best_delta_IBC_automix": 1, "best_delta_IBC": 1}
PAIR_LABELS = {**TABLE_LABELS, "random": "Random"}


def _comparison_cells(row, counts: tuple[int, int, int] | None, digits: int, m, marks: set) -> tuple[str, str]:
    """A difference (bold where its interval excludes 0; a dash and a mark where undefined) and, in
    small type, its interval, with the datasets' verdicts counted for the mean over datasets."""
    if _missing(row.difference):
        marks.add(NO_BASELINE)
        return m.missing + m.symbols[NO_BASELINE], ""
    value = m.pm(row.difference, None, digits, bold=row.verdict.endswith(" better"))
    interval = "" if _missing(row.ci_low) or _missing(row.ci_high) else \
        m.small(m.math(f"[{row.ci_low:.{digits}f}, {row.ci_high:.{digits}f}]"))
    if not interval:
        marks.add(NO_INTERVAL)
        value += m.symbols[NO_INTERVAL]
    if counts is not None:
        better, worse, defined = counts
        interval = " ".join(part for part in (interval, m.small(f"{better}:{worse}/{defined}")) if part)
    return value, interval


def routing_comparison_cells(comparison: pd.DataFrame, m) -> tuple[dict, list[str]]:
    """Per dataset (the mean over datasets last) its pairs' (label, values, intervals) in markup
    ``m``, and the notes; ``comparison`` is comparison.csv's table."""
    s, marks = m.symbols, set()
    blocks: dict = {}
    datasets = [d for d in dict.fromkeys(comparison["dataset"]) if d != ALL]
    per_dataset = comparison[comparison["dataset"] != ALL]
    for dataset in [*datasets, ALL]:
        rows = comparison[comparison["dataset"] == dataset]
        heading = (f"Mean over {len(datasets)} dataset{'s' if len(datasets) != 1 else ''}" if dataset == ALL
                   else dataset)
        block = []
        for (a, b), pair in rows.groupby(["router_a", "router_b"], sort=False):
            cells = []
            for metric, digits in COMPARISON_COLUMNS.items():
                row = next(pair[pair["metric"] == metric].itertuples(index=False))
                counts = None
                if dataset == ALL and metric not in NO_VERDICT:
                    same = per_dataset[(per_dataset["router_a"] == a) & (per_dataset["router_b"] == b)
                                       & (per_dataset["metric"] == metric)]
                    verdicts = same["verdict"].tolist()
                    counts = (verdicts.count(f"{a} better"), verdicts.count(f"{b} better"),
                              int(same["difference"].notna().sum()))
                cells.append(_comparison_cells(row, counts, digits, m, marks))
            values, intervals = zip(*cells)
            block.append((f"{PAIR_LABELS[a]} vs {PAIR_LABELS[b]}", list(values), list(intervals)))
        blocks[heading] = block
    notes = [f"Difference: first router minus second on the same queries; small type: its 95{s['thin_pct']} "
             "paired basic bootstrap interval",
             f"{s['quad']}over the resamples of the metrics' own intervals. Bold: the interval excludes 0.",
             f"Random: the diagonal (no verifier). {s['delta_IBC']} and {s['delta_IBC_automix']} in {s['pct']}. "
             "No verdict on AIQ.",
             "Mean over datasets: stratified bootstrap, a verdict on APGR only; k:j/n: first better",
             f"{s['quad']}on k, second on j, of n datasets."]
    if NO_BASELINE in marks:
        notes.append(s[NO_BASELINE] + " Undefined: no baseline (comparison.csv's note says why).")
    if NO_INTERVAL in marks:
        notes.append(s[NO_INTERVAL] + " No interval: no resample gives a difference, or no resamples.")
    return blocks, notes


def _comparison_headers(m) -> list[str]:
    return [m.symbols[metric] for metric in COMPARISON_COLUMNS]


def routing_comparison_table(comparison: pd.DataFrame) -> str:
    """Booktabs tabular of the paired router comparison (``results/tables/routing_comparison.tex``):
    per dataset, then the mean over datasets, a row per pair with the difference of APGR, AIQ,
    best delta_IBC_automix and best delta_IBC (first router minus second) and, in small type,
    its 95 % paired bootstrap interval."""
    blocks, notes = routing_comparison_cells(comparison, LATEX)
    return _tabular(blocks, notes, _comparison_headers(LATEX), row_header="Pair")


def routing_comparison_frame(comparison: pd.DataFrame, m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_comparison_table`` in markup ``m`` for the report's view, and its notes."""
    blocks, notes = routing_comparison_cells(comparison, m)
    return _view_frame(blocks, _comparison_headers(m), m, row_header="Pair"), notes
