"""Readable HTML copies of the tables and data for Snakemake's report.

Snakemake's HTML report shows an image (PNG, SVG, JPEG) as an ``<img>`` and an
HTML file or a PDF in an ``<iframe>``; any other file (``.tex``, ``.csv``,
``.json``) is only a download link. So every table and data artifact gets a
standalone HTML page beside it in the report, never published:

- a LaTeX table's page comes from the same cells as the ``.tex``, written
  through the ``HTML`` markup below (the table modules' ``*_cells`` functions);
- a CSV's page shows its cells verbatim, as the file has them;
- a JSON's page shows nested objects as headed sections, a list of records or
  an object of like objects as one table, and numbers as the file has them.

Tables are written as plain HTML strings (``table``): pandas' Styler took
seven times as long for a 4000-row CSV, in every job that writes a view
(benchmarks/bench_views.py). Every page fits the report in a 1,400-pixel window: names,
paths and headers wrap (at ``/``, ``_``, ``.``, or anywhere if they must),
numbers never; a table still too wide is split into tables of fewer columns
(tests/test_report.py measures each page in Chromium).

Pages are deterministic (no ids, no dates) and need no script or network.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .latex import fmt_number, fmt_pm
from .outputs import read_json, write_text
from .quantities import symbols as quantity_symbols

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

    #: each quantity's label (quantities.py) and the marks, by name (as ``latex.Latex.symbols``)
    symbols = {
        **quantity_symbols("html"),
        "dagger": "<sup>†</sup>", "ddagger": "<sup>‡</sup>", "section": "<sup>§</sup>", "para": "<sup>¶</sup>",
        "gap": "P<sub>LLM</sub> − P<sub>SLM</sub>",
        "pct": "%", "thin_pct": " %", "pm": "±", "pm_thin": "± ", "quad": "&emsp;", "times": "×", "geq": "≥",
    }


HTML = Html()

STYLE = """
body { background: #fff; color: #111; font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; }
h1 { font-size: 1.15em; font-family: monospace; overflow-wrap: anywhere; }
h2 { font-size: 1.05em; margin-top: 1.6em; font-family: monospace; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.5em 0 1em; border-bottom: 1.5px solid #111; }
thead th { border-bottom: 1.5px solid #111; vertical-align: bottom; }
th, td { padding: 0.2em 0.6em; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.part { font-size: 0.9em; color: #444; margin: 1em 0 0; }
tbody tr:nth-child(even) td { background: #f3f4f6; }
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
    text = str(cell)
    if "<" in text:
        text = re.sub(r"<sup>.*?</sup>", "", text.split("<br>")[0])
        text = re.sub(r"<[^>]+>", "", text)
    return bool(_NUMBER.match(text.split(" (")[0].strip()))


#: pixels a page's tables may take: the report shows a view in a frame 1,120 pixels wide in a
#: 1,400-pixel window, less the page's margins (1.5 em a side) and some slack
WIDTH_PX = 1040
CHAR_PX = 8.5  # pixels per character of the pages' 14-pixel font, generously
PAD_PX = 17  # a cell's padding, 0.6 em a side


def table(frame: pd.DataFrame, notes: list[str] = (), *, blank_repeats: bool = True) -> str:
    """A frame of cells already written as HTML (names escaped) as a table, with its notes.

    Index levels become the leading columns; with ``blank_repeats``, a label
    repeated from the row above (within the same block) is left blank, as
    LaTeX's multirow shows it. A cell that reads as a number is right-aligned.
    A table whose columns do not fit WIDTH_PX with their names wrapped (a
    number never is) is split into tables of consecutive columns, each
    repeating the index columns, one under the other.
    """
    levels = [name if name is not None else "" for name in frame.index.names]
    labels = frame.index.to_frame(index=False).to_numpy(dtype=object).astype(str).reshape(len(frame), len(levels))
    if blank_repeats and len(levels) > 1:  # blank a label equal to the one above while those left of it are too
        same = labels[1:] == labels[:-1]
        repeated = np.logical_and.accumulate(same[:, :-1], axis=1)
        labels[1:, :-1][repeated] = ""
    cells = frame.to_numpy(dtype=object).astype(str).reshape(frame.shape)
    numeric = _numeric(cells)
    keys = [_column(str(name), labels[:, i], np.zeros(len(frame), dtype=bool)) for i, name in enumerate(levels)]
    values = [_column(name, cells[:, j], numeric[:, j]) for j, name in enumerate(_flat_columns(frame.columns))]
    groups = _groups([width for _, _, width in values], WIDTH_PX - sum(width for _, _, width in keys))
    parts = []
    for first, last in groups:
        if len(groups) > 1:
            parts.append(f'<p class="part">Columns {len(keys) + first + 1}–{len(keys) + last} of '
                         f"{len(keys) + len(values)}{f', after the first {len(keys)}' if keys else ''} "
                         "(split to fit the window; the rows as above).</p>\n")
        parts.append(_html_table(keys + values[first:last], len(frame)))
    return "".join(parts) + "".join(f'<p class="note">{note}</p>\n' for note in notes)


def _column(name: str, cells: np.ndarray, numeric: np.ndarray) -> tuple[str, list[str], float]:
    """A column's header and cells as HTML, with line-break opportunities in names, and the
    width in pixels it takes with its names wrapped (its longest number or piece of a name)."""
    shown = [f'<td class="num">{cell}</td>' if number else f"<td>{breakable(cell)}</td>"
             for cell, number in zip(cells, numeric)]
    header = breakable(name)
    names = {header, *map(breakable, set(cells[~numeric]))}
    longest = max(max(map(_longest_piece, names)), max(map(_longest_line, set(cells[numeric])), default=0))
    return f"<th>{header}</th>", shown, longest * CHAR_PX + PAD_PX


@functools.lru_cache(maxsize=65536)
def _longest_piece(cell: str) -> int:
    """Characters of the longest piece of ``cell``'s text between spaces, ``<wbr>``s and ``<br>``s."""
    text = re.sub(r"<(?!wbr>|br>)[^>]*>", "", cell)
    return max(len(html.unescape(piece)) for piece in re.split(r"\s+|<wbr>|<br>", text))


def _longest_line(cell: str) -> int:
    """Characters of the longest line of a number's cell (it wraps only at ``<br>``)."""
    if "<" not in cell and "&" not in cell:
        return len(cell)
    return max(len(html.unescape(re.sub(r"<[^>]*>", "", line))) for line in cell.split("<br>"))


def _groups(widths: list[float], room: float) -> list[tuple[int, int]]:
    """Consecutive (first, end) ranges of columns of ``widths`` that fit ``room`` (a column
    wider than it alone)."""
    groups, first, used = [], 0, 0.0
    for i, width in enumerate(widths):
        if i > first and used + width > room:
            groups.append((first, i))
            first, used = i, 0.0
        used += width
    return groups + [(first, len(widths))]


def _html_table(columns: list[tuple[str, list[str], float]], rows: int) -> str:
    header = "".join(head for head, _, _ in columns)
    body = "".join(f"<tr>{''.join(row)}</tr>\n" for row in zip(*(cells for _, cells, _ in columns))) if columns \
        else "<tr></tr>\n" * rows
    return f"<table>\n<thead>\n<tr>{header}</tr>\n</thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def _flat_columns(columns: pd.Index) -> list[str]:
    return [" ".join(map(str, name)) if isinstance(name, tuple) else str(name) for name in columns]


WBR = "<wbr>"  # a line may break here, if it must
#: where a long name, path or header may break: after a slash, underscore or dot (outside tags)
_BREAK = re.compile(r"(?<=[/_.])(?=[^<>]*(?:<|$))(?![\d\s])")


@functools.lru_cache(maxsize=65536)
def breakable(cell: str) -> str:
    """``cell`` (HTML) with line-break opportunities after ``/``, ``_`` and ``.`` in its text
    (not before a digit, so numbers stay whole)."""
    return _BREAK.sub(WBR, cell) if ("/" in cell or "_" in cell or "." in cell) else cell


def _numeric(cells: np.ndarray) -> np.ndarray:
    """Which cells read as a number (``_is_number``), each distinct text classified once."""
    codes, unique = pd.factorize(cells.ravel())
    return np.array([_is_number(cell) for cell in unique], dtype=bool)[codes].reshape(cells.shape)


def table_page(title: str, frame: pd.DataFrame, notes: list[str] = ()) -> str:
    return page(title, table(frame, notes))


# --- data: CSV and JSON --------------------------------------------------------------------------

def csv_page(path: str | os.PathLike, title: str) -> str:
    """A CSV's cells verbatim (as text, empty cells empty), a row per line of the file."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:  # escaped where there is anything to escape (a call per cell is slow)
        if frame[column].str.contains("[&<>\"']").any():
            frame[column] = frame[column].map(html.escape)
    frame.columns = [html.escape(column) for column in frame.columns]
    leading = _numeric(frame.iloc[:, :4].to_numpy(dtype=object).astype(str)).any(axis=0).tolist() + [True]
    keys = list(frame.columns[:max(1, min(leading.index(True), 3))])  # the leading columns of names (at most 3)
    return page(title, f"<p>{len(frame)} rows.</p>\n" + table(frame.set_index(keys), blank_repeats=False))


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
