"""LaTeX tables of the routing stage.

- ``routing_table``: per dataset and router the best delta_IBC among the swept
  thresholds, with its routed share (``results/tables/routing_ibc.tex``).
- ``routing_metrics_table``: the curve metrics per dataset and router, oracle
  last (``results/tables/routing_metrics.tex``). Each dataset opens with its
  name on a line of its own; each router takes two lines: the value of each
  metric, then its 95 % bootstrap interval in small type.

A missing value is an en dash in text mode, marked and explained under the table.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .latex import LATEX, booktabs, escape, fmt_number

TABLE_LABELS = {"logits": "Log-prob.", "entropy": "Entropy", "confidence": "Self-verif."}


def _pct(share: float, m=LATEX) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + m.symbols["thin_pct"]


def routing_table(combined: Mapping[str, dict]) -> str:
    """Booktabs tabular: per dataset and router the best delta_IBC and its routed share.

    A dagger marks a router whose higher delta_IBC at a routed share below
    ``min_routed_share`` was excluded as unstable; a note row under the table
    lists each excluded value. A dataset without an IBC baseline (the large
    model is not better) shows a dash, marked and explained by a note.
    """
    frame, notes = routing_table_cells(combined, LATEX)
    text = booktabs(frame, column_format="lrrlrr")
    if notes:
        text = text.replace("\\bottomrule\n", "\\bottomrule\n" + "\n".join(
            r"\multicolumn{6}{@{}l}{\footnotesize " + note + r"}\\" for note in notes) + "\n")
    return _space_between_datasets(text)


def routing_table_cells(combined: Mapping[str, dict], m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_table`` written in markup ``m`` (the first four columns as the
    index), and its notes."""
    s = m.symbols
    rows, unstable_notes, no_baseline, none_routed = [], [], [], set()
    for dataset, summary in combined.items():
        if summary["no_baseline"]:
            no_baseline.append(m.text(dataset))
        for router, result in summary["routers"].items():
            best = result["best"] or {"lm2_ratio": math.nan, "delta_IBC": math.nan}
            delta, routed = m.number(best["delta_IBC"], 1), m.number(100 * best["lm2_ratio"], 1)
            if summary["no_baseline"]:
                delta, routed = delta + s["ddagger"], routed + s["ddagger"]
            elif result["best"] is None:  # no swept threshold routes the minimum share
                delta, routed = delta + s["section"], routed + s["section"]
                none_routed.add(_pct(summary["min_routed_share"], m))
            if result["unstable"]:
                top = max(result["unstable"], key=lambda p: p["delta_IBC"])
                delta += s["dagger"]
                unstable_notes.append(f"{m.text(dataset)}, {TABLE_LABELS[router].lower()}: "
                                      f"{fmt_number(top['delta_IBC'], 1)}{s['thin_pct']} at "
                                      f"{_pct(top['lm2_ratio'], m)} routed")
            rows.append((m.text(dataset), m.number(summary["P_slm"], 3), m.number(summary["P_llm"], 3),
                         TABLE_LABELS[router], routed, delta))
    columns = ["Dataset", s["P_SLM"], s["P_LLM"], "Router",
               f"Routed ({s['pct']})", f"Best {s['delta_IBC']} ({s['pct']})"]
    frame = pd.DataFrame(rows, columns=columns).set_index(columns[:4])
    notes = []
    if unstable_notes:
        shares = {_pct(summary["min_routed_share"], m) for summary in combined.values()}
        notes.append(f"{s['dagger']} Higher {s['delta_IBC']} excluded as unstable (under "
                     + " / ".join(sorted(shares)) + " of queries routed):")
        notes += [s["quad"] + note for note in unstable_notes]
    if no_baseline:
        notes.append(f"{s['ddagger']} No IBC baseline for " + ", ".join(no_baseline)
                     + f": {s['P_LLM']} is not above {s['P_SLM']} by more than one query's "
                       f"swing, so {s['delta_IBC']} is undefined.")
    if none_routed:
        notes.append(f"{s['section']} No swept threshold routes at least " + " / ".join(sorted(none_routed))
                     + " of queries with a defined " + s["delta_IBC"] + ".")
    return frame, notes


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
#: metric -> (column header (a symbol's name or text), multiplier, decimals)
COLUMNS = {
    "AIQ": ("AIQ", 1, 3),
    "APGR": ("APGR", 1, 3),
    "CPT_50": ("CPT_50", 100, 1),
    "delta_IBC_5": ("delta_IBC_5", 1, 1),
    "best_delta_IBC": ("Best delta_IBC", 1, 1),
}
HELD_OUT = "Held-out"  # delta_IBC, mean over splits; small type: +- std


def _header(name: str, m) -> str:
    """A column header: symbols by name, "Best delta_IBC" as "Best " and the symbol."""
    words = name.split(" ")
    return " ".join(m.symbols.get(word, word) for word in words)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _interval(low, high, scale: float, digits: int, m) -> str:
    """The interval in small type, a digit less precise than a value of three decimals."""
    if _missing(low) or _missing(high):
        return ""
    digits = min(digits, 2)
    return m.small(m.math(f"[{scale * low:.{digits}f}, {scale * high:.{digits}f}]"))


def _rows(result: Mapping, m, marks: set) -> list[tuple]:
    """Per router: its label, each metric's value and each one's interval (small type)."""
    s = m.symbols
    rows = []
    for name, entry in result["routers"].items():
        values, intervals = [], []
        for metric, (_, scale, digits) in COLUMNS.items():
            estimate = entry["metrics"][metric]
            missing = _missing(estimate["value"])
            if missing:
                marks.add(NO_BASELINE)
            values.append(m.missing + s[NO_BASELINE] if missing else m.number(scale * estimate["value"], digits))
            interval = "" if missing else _interval(estimate["ci_low"], estimate["ci_high"], scale, digits, m)
            if not missing and not interval and result["bootstrap"]["resamples"]:
                values[-1] += s[NO_INTERVAL]  # resamples, but none gives a value
                marks.add(NO_INTERVAL)
            intervals.append(interval)
        held = entry["held_out_delta_IBC"]
        if name == "oracle":
            values.append(m.missing + s[NOT_APPLICABLE])
            intervals.append("")
        else:
            mark = "" if held["n_defined"] else NO_BASELINE if not result["has_baseline"] else NO_SPLIT
            marks.add(mark)
            values.append(m.number(held["mean"], 1) + (s[mark] if mark else ""))
            spread = "" if _missing(held["std"]) else f"{s['pm_thin']}{held['std']:.1f}"
            partial = 0 < held["n_defined"] < held["splits"]
            spread += f" ({held['n_defined']} of {held['splits']} splits)" if partial else ""
            intervals.append(m.small(spread.strip()) if spread else "")
        rows.append((LABELS[name], values, intervals))
    return rows


def routing_metrics_table(by_dataset: Mapping[str, Mapping]) -> str:
    """Booktabs tabular of AIQ, APGR, CPT(50 %), delta_IBC_5, in-sample best delta_IBC and
    held-out delta_IBC (mean +- std over splits), per dataset and router, oracle last.

    ``by_dataset`` maps a dataset to its ``routing_resampling.dataset_metrics``
    (plain or through ``to_jsonable``). Each router takes two lines: its values,
    then their intervals in small type.
    """
    blocks, notes = routing_metrics_cells(by_dataset, LATEX)
    rows = {dataset: [row for label, values, intervals in block
                      for row in ((label, *values), ("", *intervals))] for dataset, block in blocks.items()}
    columns = ["Router", *(_header(header, LATEX) for header, _, _ in COLUMNS.values()), HELD_OUT]
    frame = pd.DataFrame([row for block in rows.values() for row in block], columns=columns).set_index("Router")
    # 5 pt between columns instead of 12, short headers and notes of a line each:
    # the table fits a plain article's text width
    text = booktabs(frame, column_format="l" + r"@{\hspace{5pt}}r" * (len(columns) - 1))
    width = len(columns)
    footer = "\n".join(rf"\multicolumn{{{width}}}{{@{{}}l}}{{\footnotesize {note}}}\\" for note in notes)
    text = _dataset_headings(text, {dataset: len(block) for dataset, block in rows.items()}, width)
    return text.replace("\\bottomrule\n", "\\bottomrule\n" + footer + "\n")


def routing_metrics_frame(by_dataset: Mapping[str, Mapping], m) -> tuple[pd.DataFrame, list[str]]:
    """The cells of ``routing_metrics_table`` in markup ``m``, a row per dataset and router
    (the interval under the value in each cell), and its notes."""
    blocks, notes = routing_metrics_cells(by_dataset, m)
    rows = {(m.text(dataset), label): [f"{value}<br>{interval}" if interval else value
                                       for value, interval in zip(values, intervals)]
            for dataset, block in blocks.items() for label, values, intervals in block}
    columns = [*(_header(header, m) for header, _, _ in COLUMNS.values()), HELD_OUT]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["Dataset", "Router"])
    return frame, notes


def routing_metrics_cells(by_dataset: Mapping[str, Mapping], m) -> tuple[dict, list[str]]:
    """Per dataset its routers' (label, values, intervals) in markup ``m``, and the notes."""
    s, marks = m.symbols, set()
    blocks = {dataset: _rows(result, m, marks) for dataset, result in by_dataset.items()}
    resamples = sorted({result["bootstrap"]["resamples"] for result in by_dataset.values()})
    shown = [count for count in resamples if count]
    intervals = (f"Small type: 95{s['thin_pct']} bootstrap interval ({' / '.join(map(str, shown))} resamples)"
                 + ("; none where routing.bootstrap.resamples is 0." if 0 in resamples else ".") if shown else
                 "No bootstrap intervals: routing.bootstrap.resamples is 0.")
    if NO_INTERVAL in marks:
        intervals += f" {s[NO_INTERVAL]} No resample of the queries gives a value: no interval."
    notes = [intervals,
             f"{s['CPT_50']}: routed share ({s['pct']}) where PGR reaches 50{s['thin_pct']}. "
             f"{s['delta_IBC']} in {s['pct']}.",
             f"Held-out: {s['delta_IBC']} of a threshold chosen on",
             f"{s['quad']}calibration queries, on the others; mean {s['pm']} std over splits."]
    if NO_BASELINE in marks:
        notes.append(s[NO_BASELINE] + f" No baseline: {s['gap']} at most one query's swing.")
    if NO_SPLIT in marks:
        notes.append(s[NO_SPLIT] + " No split gave a held-out value.")
    notes.append(s[NOT_APPLICABLE] + " Not applicable: the oracle knows each query's performance.")
    return blocks, notes


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
