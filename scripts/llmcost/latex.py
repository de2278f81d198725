"""LaTeX tables for the paper: booktabs tabulars rendered by pandas' Styler.

Each function returns the text of a ``tabular`` (no ``table`` float), so the
paper ``\\input``s it inside its own float with its own caption.
"""

from __future__ import annotations

import math

import pandas as pd


#: A missing value: an en dash in text mode (never inside $...$, where it would be two minus signs).
MISSING = "--"

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def escape(text: str) -> str:
    """A name as LaTeX text: every character that LaTeX would read as markup is escaped
    (one pass, so an escape's own braces are never escaped again)."""
    return "".join(_SPECIAL.get(char, char) for char in str(text))


def signed(text: str) -> str:
    """A formatted number ready for a table cell: a negative one in math mode (a real minus sign)."""
    return f"${text}$" if text.startswith("-") and text != MISSING else text


def booktabs(frame: pd.DataFrame, column_format: str, midrule_before: str | None = None,
             multirow: bool = False) -> str:
    """Render a frame of already-formatted strings as a booktabs tabular.

    ``midrule_before`` names a row label that gets a ``\\midrule`` above it
    (a totals row). ``multirow`` spans repeated outer index labels.
    """
    styler = frame.style
    text = styler.to_latex(
        column_format=column_format,
        hrules=True,
        multirow_align="t" if multirow else "naive",
        clines=None,
    )
    if any(name is not None for name in frame.index.names) and frame.columns.nlevels == 1:
        text = _merge_index_names_into_header(text, frame.index.nlevels)
    if midrule_before is not None:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(midrule_before + " &"):
                lines.insert(i, r"\midrule")
                break
        text = "\n".join(lines) + "\n"
    return text


def _merge_index_names_into_header(text: str, levels: int) -> str:
    """Styler puts index names on a second header line; put them on the first."""
    lines = text.splitlines()
    top = lines.index(r"\toprule")
    header, names = lines[top + 1], lines[top + 2]
    header_cells = header.removesuffix(r" \\").split(" & ")
    name_cells = names.removesuffix(r" \\").split(" & ")
    merged = name_cells[:levels] + header_cells[levels:]
    lines[top + 1: top + 3] = [" & ".join(merged) + r" \\"]
    return "\n".join(lines) + "\n"


def fmt_number(value: float, digits: int) -> str:
    return MISSING if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def fmt_pm(mean: float, std: float, digits: int) -> str:
    """``$m \\pm s$``; a lone value (one seed: no std) is shown without ``\\pm``."""
    if mean is None or math.isnan(mean):
        return MISSING
    if std is None or math.isnan(std):
        return f"${mean:.{digits}f}$"
    return f"${mean:.{digits}f} \\pm {std:.{digits}f}$"
