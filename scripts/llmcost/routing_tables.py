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

from .latex import MISSING, booktabs, escape, fmt_number, signed

TABLE_LABELS = {"logits": "Log-prob.", "entropy": "Entropy", "confidence": "Self-verif."}


def _pct(share: float) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + r"\,\%"


def routing_table(combined: Mapping[str, dict]) -> str:
    """Booktabs tabular: per dataset and router the best delta_IBC and its routed share.

    A dagger marks a router whose higher delta_IBC at a routed share below
    ``min_routed_share`` was excluded as unstable; a note row under the table
    lists each excluded value. A dataset without an IBC baseline (the large
    model is not better) shows a dash, marked and explained by a note.
    """
    rows, unstable_notes, no_baseline = [], [], []
    for dataset, summary in combined.items():
        if summary["no_baseline"]:
            no_baseline.append(escape(dataset))
        for router, result in summary["routers"].items():
            best = result["best"] or {"lm2_ratio": math.nan, "delta_IBC": math.nan}
            delta = signed(fmt_number(best["delta_IBC"], 1))
            if summary["no_baseline"]:
                delta += r"$^\ddagger$"
            if result["unstable"]:
                top = max(result["unstable"], key=lambda p: p["delta_IBC"])
                delta += r"$^\dagger$"
                unstable_notes.append(f"{escape(dataset)}, {TABLE_LABELS[router].lower()}: "
                                      f"{fmt_number(top['delta_IBC'], 1)}\\,\\% at {_pct(top['lm2_ratio'])} routed")
            rows.append((escape(dataset), fmt_number(summary["P_slm"], 3), fmt_number(summary["P_llm"], 3),
                         TABLE_LABELS[router], signed(fmt_number(100 * best["lm2_ratio"], 1)), delta))
    columns = ["Dataset", r"$P_\mathrm{SLM}$", r"$P_\mathrm{LLM}$", "Router",
               r"Routed (\%)", r"Best $\Delta_\mathrm{IBC}$ (\%)"]
    frame = pd.DataFrame(rows, columns=columns).set_index(columns[:4])
    text = booktabs(frame, column_format="lrrlrr")
    notes = []
    if unstable_notes:
        shares = {_pct(s["min_routed_share"]) for s in combined.values()}
        notes.append(r"$^\dagger$ Higher $\Delta_\mathrm{IBC}$ excluded as unstable (under "
                     + " / ".join(sorted(shares)) + r" of queries routed):")
        notes += [r"\quad " + note for note in unstable_notes]
    if no_baseline:
        notes.append(r"$^\ddagger$ No IBC baseline for " + ", ".join(no_baseline)
                     + r": $P_\mathrm{LLM}$ is not above $P_\mathrm{SLM}$ by more than one query's "
                       r"swing, so $\Delta_\mathrm{IBC}$ is undefined.")
    if notes:
        text = text.replace("\\bottomrule\n", "\\bottomrule\n" + "\n".join(
            r"\multicolumn{6}{@{}l}{\footnotesize " + note + r"}\\" for note in notes) + "\n")
    return _space_between_datasets(text)


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
NO_BASELINE, NOT_APPLICABLE, NO_SPLIT = r"$^\dagger$", r"$^\ddagger$", r"$^\S$"
#: metric -> (column header, multiplier, decimals)
COLUMNS = {
    "AIQ": ("AIQ", 1, 3),
    "APGR": ("APGR", 1, 3),
    "CPT_50": (r"CPT$_{50}$", 100, 1),
    "delta_IBC_5": (r"$\Delta_\mathrm{IBC,5}$", 1, 1),
    "best_delta_IBC": (r"Best $\Delta_\mathrm{IBC}$", 1, 1),
}
HELD_OUT = "Held-out"  # delta_IBC, mean over splits; small type: +- std


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _interval(low, high, scale: float, digits: int) -> str:
    """The interval in small type, a digit less precise than a value of three decimals."""
    if _missing(low) or _missing(high):
        return ""
    digits = min(digits, 2)
    return rf"{{\scriptsize $[{scale * low:.{digits}f}, {scale * high:.{digits}f}]$}}"


def _rows(result: Mapping) -> list[tuple]:
    rows = []
    for name, entry in result["routers"].items():
        values, intervals = [], []
        for metric, (_, scale, digits) in COLUMNS.items():
            estimate = entry["metrics"][metric]
            missing = _missing(estimate["value"])
            values.append(MISSING + NO_BASELINE if missing else signed(fmt_number(scale * estimate["value"], digits)))
            intervals.append("" if missing else _interval(estimate["ci_low"], estimate["ci_high"], scale, digits))
        held = entry["held_out_delta_IBC"]
        if name == "oracle":
            values.append(MISSING + NOT_APPLICABLE)
            intervals.append("")
        else:
            mark = "" if held["n_defined"] else NO_BASELINE if not result["has_baseline"] else NO_SPLIT
            values.append(signed(fmt_number(held["mean"], 1)) + mark)
            spread = "" if _missing(held["std"]) else rf"$\pm$\,{held['std']:.1f}"
            partial = 0 < held["n_defined"] < held["splits"]
            spread += f" ({held['n_defined']} of {held['splits']} splits)" if partial else ""
            intervals.append(rf"{{\scriptsize {spread.strip()}}}" if spread else "")
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
    # 5 pt between columns instead of 12, short headers and notes of a line each:
    # the table fits a plain article's text width
    text = booktabs(frame, column_format="l" + r"@{\hspace{5pt}}r" * (len(columns) - 1))
    resamples = sorted({result["bootstrap"]["resamples"] for result in by_dataset.values()})
    notes = [rf"Small type: 95\,\% bootstrap interval ({' / '.join(map(str, resamples))} resamples).",
             r"CPT$_{50}$: routed share (\%) where PGR reaches 50\,\%. $\Delta_\mathrm{IBC}$ in \%.",
             r"Held-out: $\Delta_\mathrm{IBC}$ of a threshold chosen on",
             r"\quad calibration queries, on the others; mean $\pm$ std over splits."]
    if NO_BASELINE in text:
        notes.append(NO_BASELINE + r" No baseline: $P_\mathrm{LLM} - P_\mathrm{SLM}$ at most one query's swing.")
    if NO_SPLIT in text:
        notes.append(NO_SPLIT + r" No split gave a held-out value.")
    notes.append(NOT_APPLICABLE + r" Not applicable: the oracle knows each query's performance.")
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
