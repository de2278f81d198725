"""LaTeX table of the routing curve metrics: per dataset and router, oracle last.

Each dataset opens with its name on a line of its own; each router takes two
lines: the value of each metric, then its 95 % bootstrap interval in small
type. A missing value is an en dash in text mode, marked and explained under
the table.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from .latex import booktabs, escape, fmt_pm
from .routing import TABLE_LABELS

LABELS = {**TABLE_LABELS, "oracle": "Oracle"}
NO_BASELINE, NOT_APPLICABLE, NO_SPLIT = r"$^\dagger$", r"$^\ddagger$", r"$^\S$"
#: metric -> (column header, multiplier, decimals)
COLUMNS = {
    "AIQ": ("AIQ", 1, 3),
    "APGR": ("APGR", 1, 3),
    "CPT_50": (r"CPT(50\,\%)", 100, 1),
    "delta_IBC_5": (r"$\Delta_\mathrm{IBC,5}$", 1, 1),
    "best_delta_IBC": (r"Best $\Delta_\mathrm{IBC}$", 1, 1),
}
HELD_OUT = r"Held-out $\Delta_\mathrm{IBC}$"


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return f"${text}$" if text.startswith("-") else text


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _interval(low, high, scale: float, digits: int) -> str:
    if _missing(low) or _missing(high):
        return ""
    return rf"{{\scriptsize $[{scale * low:.{digits}f}, {scale * high:.{digits}f}]$}}"


def _rows(result: Mapping) -> list[tuple]:
    rows = []
    for name, entry in result["routers"].items():
        values, intervals = [], []
        for metric, (_, scale, digits) in COLUMNS.items():
            estimate = entry["metrics"][metric]
            missing = _missing(estimate["value"])
            values.append("--" + NO_BASELINE if missing else _number(scale * estimate["value"], digits))
            intervals.append("" if missing else _interval(estimate["ci_low"], estimate["ci_high"], scale, digits))
        held = entry["held_out_delta_IBC"]
        if name == "oracle":
            values.append("--" + NOT_APPLICABLE)
            intervals.append("")
        else:
            mark = "" if held["n_defined"] else NO_BASELINE if not result["has_baseline"] else NO_SPLIT
            values.append(fmt_pm(held["mean"], held["std"], 1) + mark)
            partial = 0 < held["n_defined"] < held["splits"]
            intervals.append(rf"{{\scriptsize {held['n_defined']} of {held['splits']} splits}}" if partial else "")
        rows.append((LABELS[name], *values))
        rows.append(("", *intervals))
    return rows


def routing_metrics_table(by_dataset: Mapping[str, Mapping]) -> str:
    """Booktabs tabular of AIQ, APGR, CPT(50 %), delta_IBC_5, in-sample best delta_IBC and
    held-out delta_IBC (mean +- std over splits), per dataset and router, oracle last.

    ``by_dataset`` maps a dataset to its ``routing_resampling.dataset_metrics``
    (plain or through ``to_jsonable``).
    """
    rows = {dataset: _rows(result) for dataset, result in by_dataset.items()}
    columns = ["Router", *(header for header, _, _ in COLUMNS.values()), HELD_OUT]
    frame = pd.DataFrame([row for block in rows.values() for row in block], columns=columns).set_index("Router")
    text = booktabs(frame, column_format="l" + "r" * (len(columns) - 1))
    resamples = sorted({result["bootstrap"]["resamples"] for result in by_dataset.values()})
    notes = [rf"Small type: 95\,\% bootstrap interval, {' / '.join(map(str, resamples))} resamples.",
             r"CPT in \% of queries routed; $\Delta_\mathrm{IBC}$ in \%."]
    if NO_BASELINE in text:
        notes.append(NO_BASELINE + r" No baseline: $P_\mathrm{LLM} - P_\mathrm{SLM}$ is at most one query's swing.")
    if NO_SPLIT in text:
        notes.append(NO_SPLIT + r" No split gave a held-out value.")
    notes.append(NOT_APPLICABLE + r" Held-out choice does not apply to the oracle, which knows each query's "
                 r"performance.")
    width = len(columns)
    footer = "\n".join(rf"\multicolumn{{{width}}}{{@{{}}l}}{{\footnotesize {note}}}\\" for note in notes)
    text = _dataset_headings(text, {dataset: len(block) for dataset, block in rows.items()}, width)
    return text.replace("\\bottomrule\n", "\\bottomrule\n" + footer + "\n")


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
