"""LaTeX tables for the paper: booktabs tabulars rendered by pandas' Styler.

Each function returns the text of a ``tabular`` (no ``table`` float), so the
paper ``\\input``s it inside its own float with its own caption.

The table modules write each table's cells once, through a markup (``LATEX``
here, ``report_html.HTML`` for the report's readable copy), so the ``.tex`` and
the HTML show the same numbers. The marks and notes the tables share (a
missing cell, one seed, fewer seeds, a mean over fewer cells) are defined here.
"""

from __future__ import annotations

import math

import pandas as pd

from .quantities import symbols as quantity_symbols

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


def with_notes(text: str, notes: list[str], columns: int) -> str:
    """Each note as a row of its own under the bottom rule."""
    rows = [rf"\multicolumn{{{columns}}}{{l}}{{\footnotesize {note}}} \\" for note in notes]
    return text.replace("\\end{tabular}", "\n".join([*rows, "\\end{tabular}"]))


def rules_between_blocks(text: str) -> str:
    r"""A ``\midrule`` above each ``\multirow`` block but the first."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(r"\multirow")]
    for i in reversed(starts[1:]):
        lines.insert(i, r"\midrule")
    return "\n".join(lines) + "\n"


class Latex:
    """How a table's cells and notes are written in the ``.tex`` artifacts."""

    missing = MISSING

    def text(self, name) -> str:
        return escape(str(name))

    def number(self, value: float, digits: int) -> str:
        return signed(fmt_number(value, digits))

    def pm(self, mean: float, std: float | None, digits: int, bold: bool = False) -> str:
        """``mean ± std`` (``std`` None or NaN: the mean alone), bold on request."""
        text = fmt_pm(mean, std, digits)
        return f"{{\\boldmath{text}}}" if bold and text != MISSING else text

    def mark(self, letter: str) -> str:
        """A cell's footnote mark: a superscript letter."""
        return f"\\textsuperscript{{{letter}}}"

    def note_mark(self, letter: str) -> str:
        """The same mark at the start of its note."""
        return f"$^{{{letter}}}$"

    def math(self, text: str) -> str:
        return f"${text}$"

    def small(self, text: str) -> str:
        return f"{{\\scriptsize {text}}}"

    #: symbols and math the tables' headers and notes use, by name: each quantity's label
    #: (quantities.py) and the marks
    symbols = {
        **quantity_symbols("latex"),
        "dagger": r"$^\dagger$", "ddagger": r"$^\ddagger$", "section": r"$^\S$", "para": r"$^\P$",
        "gap": r"$P_\mathrm{LLM} - P_\mathrm{SLM}$",
        "pct": r"\%", "thin_pct": r"\,\%", "pm": r"$\pm$",
        "pm_thin": r"$\pm$\,", "quad": r"\quad ", "times": r"$\times$", "geq": r"$\geq$",
    }


LATEX = Latex()


class Notes:
    """The footnote marks a table uses and the notes under it, in the order defined.

    ``definitions`` maps a key to its note (a function of the markup's note
    mark); ``mark(key)`` returns the cell's mark and records that the note is
    needed; ``use(key)`` records a note without a mark (e.g. "(k/N)").
    """

    def __init__(self, markup, definitions: dict[str, str]):
        self.markup, self.definitions, self.used = markup, definitions, set()

    def mark(self, key: str) -> str:
        self.used.add(key)
        return self.markup.mark(key)

    def use(self, key: str) -> None:
        self.used.add(key)

    def __iter__(self):
        return (note for key, note in self.definitions.items() if key in self.used)


def seed_mark(n_seeds: int, most: int) -> str:
    """The mark of a cell over ``n_seeds``: "b" for one seed (no ± part), "c" for fewer
    seeds than the table's most, "" otherwise."""
    return "b" if n_seeds == 1 else "c" if n_seeds < most else ""


def fewer_seeds_note(markup, counts, most: int) -> str:
    """Note "c": which smaller numbers of seeds occur, and the table's most."""
    lowered = " or ".join(map(str, sorted(set(counts))))
    return f"{markup.note_mark('c')} over fewer seeds ({lowered}) than the table's other cells (up to {most})"


def partial(text: str, count: int, total: int) -> str:
    """A mean's cell, labelled "(k/N)" where it averages only k of its N cells."""
    return text if count == total else f"{text} ({count}/{total})"
