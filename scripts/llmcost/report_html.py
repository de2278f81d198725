"""Readable HTML copies of the tables and data for Snakemake's report.

Snakemake's HTML report shows an image (PNG, SVG, JPEG) as an ``<img>`` and an
HTML file or a PDF in an ``<iframe>``; any other file (``.tex``, ``.csv``,
``.json``) is only a download link. So every table and data artifact gets a
standalone HTML page beside it in the report, never published:

- a LaTeX table's page comes from the same cells as the ``.tex``, written
  through the ``HTML`` markup below (the table modules' ``*_cells`` functions)
  and rendered by pandas' Styler;
- a CSV's page shows its cells verbatim, as the file has them;
- a JSON's page shows nested objects as headed sections, a list of records or
  an object of like objects as one table, and numbers as the file has them.

Pages are deterministic (fixed ids, no dates) and need no script or network.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .latex import fmt_number, fmt_pm
from .outputs import read_json, write_text

#: a dash for a missing value
MISSING = "–"


class Html:
    """How a table's cells and notes are written in the report's HTML copy."""

    missing = MISSING

    def text(self, name) -> str:
        return html.escape(str(name))

    def number(self, value: float, digits: int) -> str:
        text = fmt_number(value, digits)
        return MISSING if text == "--" else text

    def pm(self, mean: float, std: float | None, digits: int, bold: bool = False) -> str:
        text = fmt_pm(mean, std, digits)
        text = MISSING if text == "--" else text.strip("$").replace(r" \pm ", " ± ")
        return f"<b>{text}</b>" if bold and text != MISSING else text

    def mark(self, letter: str) -> str:
        return f"<sup>{letter}</sup>"

    def note_mark(self, letter: str) -> str:
        return f"<sup>{letter}</sup>"

    def math(self, text: str) -> str:
        return text

    def small(self, text: str) -> str:
        return f"<small>{text}</small>"

    symbols = {
        "dagger": "<sup>†</sup>", "ddagger": "<sup>‡</sup>", "section": "<sup>§</sup>",
        "P_SLM": "P<sub>SLM</sub>", "P_LLM": "P<sub>LLM</sub>", "gap": "P<sub>LLM</sub> − P<sub>SLM</sub>",
        "delta_IBC": "Δ<sub>IBC</sub>", "delta_IBC_5": "Δ<sub>IBC,5</sub>", "CPT_50": "CPT<sub>50</sub>",
        "pct": "%", "thin_pct": " %", "pm": "±", "pm_thin": "± ", "quad": "&emsp;",
    }


HTML = Html()

STYLE = """
body { background: #fff; color: #111; font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; }
h1 { font-size: 1.15em; font-family: monospace; }
h2 { font-size: 1.05em; margin-top: 1.6em; font-family: monospace; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
thead th { border-bottom: 1.5px solid #111; vertical-align: bottom; }
th, td { padding: 0.2em 0.7em; text-align: left; vertical-align: top; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #f3f4f6; }
table { border-bottom: 1.5px solid #111; }
p.note { font-size: 0.9em; margin: 0.15em 0; }
"""


def page(title: str, body: str) -> str:
    """A standalone HTML page (UTF-8, its own light style: the report's iframe shows it on dark)."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n")


_NUMBER = re.compile(r"^[-−]?[\d.,]+(e[-+]?\d+)?( ±.*)?$|^–")


def _is_number(cell: str) -> bool:
    """A cell shown right-aligned: a number, "mean ± std", or a dash, with marks or tags around."""
    text = re.sub(r"<sup>.*?</sup>", "", str(cell).split("<br>")[0])
    text = re.sub(r"<[^>]+>", "", text).split(" (")[0].strip()
    return bool(_NUMBER.match(text))


def table(frame: pd.DataFrame, notes: list[str] = ()) -> str:
    """A frame of cells already written as HTML (names escaped) as a table, with its notes.

    Index levels become the leading columns; a label repeated from the row
    above (within the same block) is left blank, as LaTeX's multirow shows it.
    """
    shown = frame.copy()
    levels = [name if name is not None else "" for name in shown.index.names]
    index = shown.index.to_frame(index=False)
    index.columns = [f"\0{i}" for i in range(len(levels))]
    repeated = pd.Series(True, index=index.index)
    for column in index.columns[:-1] if len(levels) > 1 else []:
        repeated &= index[column].eq(index[column].shift())
        index[column] = index[column].where(~repeated, "")
    body = pd.concat([index, shown.reset_index(drop=True)], axis=1)
    body.columns = [*levels, *shown.columns]
    styler = body.style.set_uuid("table").hide(axis="index")
    classes = body.map(lambda cell: "num" if _is_number(cell) else "")
    classes.iloc[:, :len(levels)] = ""
    styler = styler.set_td_classes(classes)
    text = styler.to_html(doctype_html=False)
    return text + "".join(f'<p class="note">{note}</p>\n' for note in notes)


def table_page(title: str, frame: pd.DataFrame, notes: list[str] = ()) -> str:
    return page(title, table(frame, notes))


# --- data: CSV and JSON --------------------------------------------------------------------------

def csv_page(path: str | os.PathLike, title: str) -> str:
    """A CSV's cells verbatim (as text, empty cells empty), a row per line of the file."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.map(html.escape)
    frame.columns = [html.escape(column) for column in frame.columns]
    return page(title, f"<p>{len(frame)} rows.</p>\n" + table(frame.set_index(frame.columns[0])))


def _scalar(value: Any) -> str:
    """A JSON scalar as the file writes it (numbers exactly), null as a dash."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return html.escape(value)
    return json.dumps(value)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _scalars(values: list) -> str:
    return ", ".join(_scalar(value) for value in values)


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """A record flattened to ``a.b`` keys; a list of scalars joined by commas, a list of
    records as "key: value" pairs, records separated by semicolons."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        if all(map(_is_scalar, value)):
            return {prefix: _scalars(value)}
        if all(isinstance(item, dict) for item in value):
            return {prefix: "; ".join(", ".join(f"{key}: {cell}" for key, cell in _flat(item).items())
                                      for item in value)}
        return {prefix: html.escape(json.dumps(value))}
    return {prefix: _scalar(value)}


def _records(rows: dict[str, dict], index_name: str) -> str:
    frame = pd.DataFrame.from_dict({html.escape(str(k)): _flat(v) for k, v in rows.items()},
                                   orient="index").fillna("")
    frame.index.name = index_name
    frame.columns = [html.escape(column) for column in frame.columns]
    return table(frame)


def _json(value: Any, path: str, depth: int) -> str:
    if _is_scalar(value):
        return f"<p>{_scalar(value)}</p>\n"
    if isinstance(value, list):
        if all(map(_is_scalar, value)):
            return f"<p>{_scalars(value)}</p>\n"
        if all(isinstance(item, dict) for item in value):
            return _records({str(i): item for i, item in enumerate(value)}, "#")
        return f"<pre>{html.escape(json.dumps(value, indent=2))}</pre>\n"
    items = list(value.items())
    if not items:
        return f"<p>{MISSING}</p>\n"
    if all(isinstance(item, dict) for _, item in items) and len({tuple(item) for _, item in items}) == 1 \
            and all(_is_scalar(field) for _, item in items for field in item.values()):
        return _records(value, "")  # an object of like flat objects: a table, a row each
    if all(isinstance(item, dict) for _, item in items):
        flat = {key: _flat(item) for key, item in items}
        if len({tuple(fields) for fields in flat.values()}) == 1 \
                and all(len(cell) <= 500 for fields in flat.values() for cell in fields.values()):
            # like nested objects (e.g. one per dataset): a column each, a row per field
            frame = pd.DataFrame({html.escape(str(key)): fields for key, fields in flat.items()})
            frame.index = [html.escape(field) for field in frame.index]
            return table(frame)
    lists = [item for _, item in items if isinstance(item, list)]
    if len(lists) == len(items) and all(map(_is_scalar, sum(lists, []))) and len(set(map(len, lists))) == 1:
        frame = pd.DataFrame({html.escape(str(k)): [_scalar(x) for x in v] for k, v in items})
        return table(frame.set_index(frame.columns[0]))  # columns of equal length: a table
    out = []
    plain = {key: item for key, item in items
             if _is_scalar(item) or (isinstance(item, list) and all(map(_is_scalar, item)))}
    if plain:
        frame = pd.DataFrame({"value": [_scalar(v) if _is_scalar(v) else _scalars(v) for v in plain.values()]},
                             index=pd.Index([html.escape(str(k)) for k in plain], name="key"))
        out.append(table(frame))
    heading = f"h{min(depth + 2, 6)}"
    for key, item in items:
        if key not in plain:
            name = f"{path}.{key}" if path else str(key)
            out.append(f"<{heading}>{html.escape(name)}</{heading}>\n{_json(item, name, depth + 1)}")
    return "".join(out)


def json_page(path: str | os.PathLike, title: str) -> str:
    """A JSON document as nested sections of tables, numbers as the file writes them."""
    return page(title, _json(read_json(path), "", 0))


# --- writing the views ---------------------------------------------------------------------------

#: where a view lives relative to its artifact: intermediate/report/{artifact}.html (common.smk)
VIEW_FOLDER = "/intermediate/report/"


def artifact_of(view: str | os.PathLike) -> str:
    """The published path (relative to the output folder) a view shows: its page title."""
    return str(view).split(VIEW_FOLDER, 1)[1].removesuffix(".html")


def write_data_views(snakemake: Any) -> None:
    """Write the view of every CSV or JSON output ``<name>`` into the output ``<name>_view``."""
    renderers = {".csv": csv_page, ".json": json_page}
    for name, view in snakemake.output.items():
        artifact = snakemake.output.get(name.removesuffix("_view")) if name.endswith("_view") else None
        if artifact and Path(artifact).suffix in renderers:
            write_text(view, renderers[Path(artifact).suffix](artifact, artifact_of(view)))


def write_table_view(view: str | os.PathLike, cells: tuple[pd.DataFrame, list[str]]) -> None:
    """Write a LaTeX table's view from its cells in ``HTML`` markup: ``(frame, notes)``."""
    write_text(view, table_page(artifact_of(view), *cells))
