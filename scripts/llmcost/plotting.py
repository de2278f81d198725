"""One plotting style for every figure, a panel layout that fits any number of panels,
and byte-stable saving.

Figures use the Agg backend, matplotlib's bundled DejaVu Sans (with fallbacks
for other scripts where installed, ``fonts``), and no timestamps or software
tags in the file metadata, so the same data and the same pinned matplotlib
give the same bytes.

Layouts are computed in inches before anything is drawn: text widths come
from the font's advance widths (``text_width``), not from rendering, so a
figure of hundreds of panels never measures its texts one by one. Titles are
wrapped and legends given as many columns as fit the figure's width.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import Bbox, TransformedBbox  # noqa: E402

from . import fonts  # noqa: E402
from .outputs import atomic_path  # noqa: E402

# Colour-blind safe (Okabe-Ito), in a fixed order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "font.family": fonts.PRIMARY,  # and the fallbacks installed (use_style)
    "font.size": 8,
    "axes.titlesize": 9,
    # a fixed title position: matplotlib otherwise moves each title clear of
    # the top ticks, a measurable cost on figures of dozens of panels
    "axes.titley": 1.0,
    "axes.titlepad": 4.0,
    "figure.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
    # Agg draws a line path of more points than this in pieces: a figure's
    # lines of one colour are one path of up to a few hundred thousand points
    "agg.path.chunksize": 20000,
    # zlib level of the PDF's streams: 6 (the default) spends a third of a
    # large figure's PDF time compressing, for files 15 % smaller
    "pdf.compression": 3,
    "svg.hashsalt": "llmcost",
}

#: The PNG's resolution is savefig.dpi (200) unless the figure would have more
#: pixels than this; then the largest whole dpi that stays below it. Encoding
#: and rasterizing take time in proportion to the pixels (about 0.1 s per
#: million): 8 million keeps the 200 panels of 40 datasets x 5 models at
#: 109 dpi (7-point labels 10 pixels high); the PDF is vector.
MAX_PNG_PIXELS = 8_000_000
#: zlib level of the PNG: 6 (PIL's default) takes a third longer than 3 on a
#: figure of many panels, for files 5-10 % smaller.
PNG_COMPRESS_LEVEL = 3

MAX_COLUMNS = 5
MIN_WIDTH = 4.2  # inches: a figure of one or two panels widens them to this
#: inches: the width at which paper/main.tex prints a figure (\linewidth: letter paper, 2.2 cm
#: margins). A figure of panels is at most this wide where it can be, so that its texts print at
#: their size (7 points and up); tests/test_paper.py checks that against main.tex.
TEXT_WIDTH = 6.75
PANEL_SHRINK = 0.8  # a panel may be narrowed to this share of its width to fit one more a row
TITLE_LINE = 0.19  # inches per line of a 9-point title
LEGEND_ROW = 0.17  # inches per row of a 7-point legend
LABEL_ROOM = 0.2  # inches for an axis label (8 pt)
TEXT_SLACK = 1.06  # rendered text is up to a few % wider than its advance widths


def plain(name) -> str:
    """A name as figure text, verbatim: ``$`` escaped so matplotlib never reads it as math
    (warned about once if no installed font draws it)."""
    fonts.check_drawable(name)
    return str(name).replace("$", r"\$")


def use_style() -> None:
    plt.rcParams.update(STYLE)
    plt.rcParams["font.family"] = fonts.families()
    fonts.silence_missing_glyph_warnings()


def color_map(names) -> dict:
    """A stable colour for each name, in the order given."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def png_dpi(fig) -> int:
    """savefig.dpi, or less for a figure that would exceed MAX_PNG_PIXELS."""
    width, height = fig.get_size_inches()
    return min(int(STYLE["savefig.dpi"]), int(math.sqrt(MAX_PNG_PIXELS / (width * height))))


def save_figure(fig, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    """Write ``fig`` as PDF and PNG, atomically and without timestamps."""
    with atomic_path(pdf_path) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                                 "Producer": None, "Creator": None})
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, format="png", dpi=png_dpi(fig), metadata={"Software": None},
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    plt.close(fig)


# --- text sizes without rendering -------------------------------------------------------------

def text_width(text: str, size: float) -> float:
    """Width in inches of ``text`` (its longest line) at ``size`` points, from the font's
    advance widths, a few percent generous: no renderer, no layout."""
    escaped = text.replace(r"\$", "$")
    return TEXT_SLACK * max(sum(map(fonts.advance_em, line)) for line in escaped.split("\n")) * size / 72


def wrap(text: str, width: float, size: float) -> str:
    """``text`` broken at spaces into lines no wider than ``width`` inches (a word longer
    than a line keeps its own line)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def elide(text: str, width: float, size: float) -> str:
    """``text``, or its start and end around an ellipsis, no wider than ``width`` inches
    (a ``plain`` name stays plain: its ``$`` is never cut from its escape)."""
    if text_width(text, size) <= width:
        return text
    raw = text.replace(r"\$", "$")
    return plain(_around(raw, _elided_keep(raw, width, size)))


def _around(text: str, keep: int) -> str:
    """The first and last of ``keep`` characters of ``text`` around an ellipsis."""
    return text[: keep - keep // 2] + "…" + text[len(text) - keep // 2:]


def distinct_labels(names, width: float, size: float) -> dict:
    """Each of ``names`` as a figure label no wider than ``width`` inches at ``size`` points,
    ``plain``: {name: label}.

    A name that fits is its own label. A longer one is shortened so that it keeps the part
    where it differs from its nearest names (those it shares the most start and end with:
    ``70`` of ``…Llama-3.1-70B-Instruct-Turbo`` beside ``…-8B-…``, ``three`` of
    ``logical_deduction_three_objects`` beside ``…_five_…``) and could be a shortening of no
    other name: its start and end around an ellipsis (``elide``) where that holds; else that
    part with as much of the name's start and surroundings as fits (``meta-lla…ma-3.1-70B-Instr…``).
    So different names get different labels (a name no label of the width can tell apart keeps
    ``elide``'s)."""
    given = list(dict.fromkeys(names))
    texts = [str(name) for name in given]
    for text in texts:
        fonts.check_drawable(text)
    return {name: _escaped(_label_apart(text, texts, width, size)) for name, text in zip(given, texts)}


def _escaped(text: str) -> str:
    return text.replace("$", r"\$")


def _label_apart(name: str, names: list[str], width: float, size: float) -> str:
    """``distinct_labels``' label of ``name`` (raw text: ``$`` not escaped)."""
    if text_width(_escaped(name), size) <= width:
        return name
    keep = _elided_keep(name, width, size)
    label = _around(name, keep)
    others = [other for other in names if other != name]
    if not others:
        return label
    regions = [_differing(name, other) for other in others]
    nearest = min(end - start for start, end in regions)
    start = min(s for s, e in regions if e - s == nearest)
    end = max(e for s, e in regions if e - s == nearest)
    kept = end <= keep - keep // 2 or start >= len(name) - keep // 2  # in the label's start or end
    unique = not any(shortens(label, other) for other in others)
    if unique and (kept or not _widest_window(name, start, end, width, size)):
        return label
    for left, right in ((start, end), (start, start + 1), (end - 1, end)):  # that part, or its ends
        window = _widest_window(name, left, right, width, size)
        if window and not any(shortens(window, other) for other in others):
            return window
    return label


def _differing(name: str, other: str) -> tuple[int, int]:
    """The part of ``name`` (start, end) between what it shares with ``other`` at the start and at
    the end; at least one character."""
    start = _common_start(name, other)
    end = len(name) - min(_common_start(name[::-1], other[::-1]), len(name) - start, len(other) - start)
    if end <= start:  # name is other with a part left out there: the character beside it
        start, end = (start, start + 1) if start < len(name) else (len(name) - 1, len(name))
    return start, end


def _elided_keep(text: str, width: float, size: float) -> int:
    """How many characters of ``text`` ``elide`` keeps around its ellipsis."""
    keep = len(text)
    while keep > 2 and text_width(_escaped(_around(text, keep)), size) > width:
        keep -= 1
    return keep


def _common_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share from their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _widest_window(name: str, left: int, right: int, width: float, size: float) -> str:
    """``name[left:right]`` with the name's start before it and more of the name around it, an
    ellipsis where something is cut: grown one character at a time at the start, the window's
    left and its right in turn while it fits ``width``; "" if not even the window fits."""
    def shown(head: int, i: int, j: int) -> str:
        head = min(head, i)
        return name[:head] + "…" * (head < i) + name[i:j] + "…" * (j < len(name))

    def fits(head: int, i: int, j: int) -> bool:
        return text_width(_escaped(shown(head, i, j)), size) <= width

    fronts = [0, left, right]  # the start's end, the window's left and right
    if not fits(*fronts):
        return ""
    growing = [True, True, True]
    turn = 0
    while any(growing):
        front = next(k % 3 for k in range(turn, turn + 3) if growing[k % 3])
        turn = front + 1
        trial = list(fronts)
        trial[front] += -1 if front == 1 else 1
        possible = trial[0] <= trial[1] if front != 2 else trial[2] <= len(name)
        growing[front] = possible and trial[1] >= 0 and fits(*trial)
        if growing[front]:
            fronts = trial
            growing[0] = growing[0] and fronts[0] < fronts[1]
    return shown(*fronts)


def shortens(label: str, name: str) -> bool:
    """Whether ``label`` (raw text) could be a shortening of ``name``: its parts between
    ellipses appear in ``name`` in order, the first at its start (unless the label starts with
    an ellipsis) and the last at its end (unless it ends with one)."""
    pattern = ".*".join(map(re.escape, label.split("…")))
    return re.fullmatch(pattern, name, flags=re.DOTALL) is not None


def fit_columns(count: int, columns: int, panel_width: float, *, gap_x: float = 0.15, left: float = 0.75,
                right: float = 0.15) -> tuple[int, float]:
    """(columns, panel width) of ``count`` panels in a figure at most TEXT_WIDTH wide: the most
    columns, up to ``columns``, whose panels are at least PANEL_SHRINK of ``panel_width`` (and at
    most ``panel_width``), then as few as give as many rows; one column of ``panel_width`` if
    not even that fits. The margins and gap are ``Panels``' defaults unless given."""
    def room(fitted: int) -> float:
        return (TEXT_WIDTH - left - right - (fitted - 1) * gap_x) / fitted

    for fitted in range(max(1, min(count, columns)), 0, -1):
        if room(fitted) >= PANEL_SHRINK * panel_width:
            fitted = math.ceil(count / math.ceil(count / fitted))  # as few a row as the rows allow
            return fitted, min(panel_width, room(fitted))
    return 1, panel_width


def legend_shape(labels, width: float) -> tuple[int, int]:
    """(columns, rows) of a frameless figure legend of ``labels`` no wider than ``width`` inches.

    Every column is given the widest label's width (matplotlib sizes each
    column to its own widest label, so the real legend is never wider).
    """
    em = plt.rcParams["legend.fontsize"] / 72
    rc = plt.rcParams
    column = (rc["legend.handlelength"] + rc["legend.handletextpad"]) * em + max(
        text_width(label, rc["legend.fontsize"]) for label in labels)
    spacing = rc["legend.columnspacing"] * em
    usable = width - 2 * rc["legend.borderpad"] * em
    columns = max(1, min(len(labels), int((usable + spacing) // (column + spacing))))
    return columns, math.ceil(len(labels) / columns)


# --- panels drawn straight onto the figure ----------------------------------------------------
#
# A matplotlib Axes costs about 10 ms per panel to create and draw (its axes,
# spines, ticks and tick labels are objects of their own, made anew for each
# panel), which was most of the time of a figure of 40 or 200 panels.
# ``Panels`` lays the panels out in inches and draws them onto the figure
# itself, in inches (no Axes): frames, ticks and grids are one path each for
# the whole figure, the data one path per style and colour, and only the texts
# are objects per panel.

TICK_LENGTH = 3.5 / 72  # inches, as matplotlib's major ticks
TICK_PAD = 3.5 / 72
LINE_OF_TICK_LABEL = 0.125  # inches per line of a 7-point tick label
BAND_COLUMNS_PER_INCH = 150  # resolution of a step band of many steps (see step_envelope)
FRAME_STYLE = {"linewidth": 0.8}
GRID_STYLE = {"alpha": 0.3, "linewidth": 0.5}
GRID_COLOR = "#b0b0b0"


@dataclass(frozen=True)
class Scale:
    """A panel axis: its limits, linear or log, its ticks and their labels."""
    low: float
    high: float
    log: bool = False
    ticks: tuple = ()
    labels: tuple = ()

    def fraction(self, values) -> np.ndarray:
        """Where ``values`` fall between ``low`` (0) and ``high`` (1), unclipped."""
        values = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
            return (values - math.log10(self.low)) / (math.log10(self.high) - math.log10(self.low))
        return (values - self.low) / (self.high - self.low)


def linear_scale(low: float, high: float, *, nbins: int = 4, integer: bool = False, formatter=None,
                 ticks=None) -> Scale:
    """A linear axis from ``low`` to ``high`` with MaxNLocator's ticks (or ``ticks``), labelled
    by ``formatter`` (default: ``{:g}``)."""
    if high <= low:
        low, high = low - 0.5, high + 0.5
    if ticks is None:
        ticks = MaxNLocator(nbins=nbins, integer=integer, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    ticks = [t for t in ticks if low - 1e-9 * (high - low) <= t <= high + 1e-9 * (high - low)]
    formatter = formatter or (lambda value: f"{value:g}")
    return Scale(low, high, False, tuple(ticks), tuple(formatter(t) for t in ticks))


def log_scale(low: float, high: float) -> Scale:
    """A log axis from ``low`` to ``high`` (both > 0), a tick and a plain label per decade."""
    ticks = [10.0 ** k for k in range(math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9) + 1)]
    return Scale(low, high, True, tuple(ticks), tuple(short_number(t) for t in ticks))


def padded(low: float, high: float, margin: float = 0.05) -> tuple[float, float]:
    """[low, high] widened by ``margin`` of its span on both sides (matplotlib's autoscale)."""
    span = (high - low) or abs(high) or 1.0
    return low - margin * span, high + margin * span


def short_number(value: float, _position=None) -> str:
    """A tick label without mathtext: 0, 1, 10, 100, 1k, 10k, 100k, 1M, 10M, 1B, ..."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def title_width(panel_width: float, gap_x: float, right: float = 0.15) -> float:
    """Inches a title centred over a panel may take: the panel and the gap beside it (the right
    margin on either side of the last column's panels), less a little room."""
    return panel_width + min(gap_x, 2 * right) - 0.1


class Panels:
    """A figure of ``count`` panels, at most ``columns`` a row, with a title and a legend.

    Everything is sized in inches: each panel's plotting area is
    ``panel_width`` x ``panel_height`` (fewer columns of panels, or panels a
    little narrower, where a row would be wider than the paper's TEXT_WIDTH;
    widened to fill MIN_WIDTH when there are few), with ``gap_x`` between panels (room for their y tick labels if
    each panel shows its own) and ``gap_y`` between rows (x tick labels and
    the next panel's title, of ``title_lines`` lines). The bottom leaves ``tick_room`` for tick labels,
    room for an x label (``x_label``) and the legend's rows (``legend_labels``,
    as many columns as fit); the title is wrapped to the width. Draw a panel
    through ``panel(i, x_scale, y_scale, ...)``, then ``finish`` with the
    legend's handles.

    What is drawn is collected and added at the end as one compound path per
    style and colour for the whole figure (per panel where clipped to it): a
    path of many pieces costs little more to render than one piece, and an
    artist per piece was most of the drawing time.
    """

    def __init__(self, count: int, *, title: str, legend_labels, panel_width: float = 1.9,
                 panel_height: float = 1.45, columns: int = MAX_COLUMNS, gap_x: float = 0.15,
                 gap_y: float | None = None, tick_room: float = TICK_LENGTH + TICK_PAD + LINE_OF_TICK_LABEL,
                 x_label: bool = True, left: float = 0.75, right: float = 0.15, title_lines: int = 1):
        self.count = count
        self.columns, panel_width = fit_columns(count, columns, panel_width, gap_x=gap_x, left=left, right=right)
        rows = math.ceil(count / self.columns)
        width = max(MIN_WIDTH, left + right + self.columns * panel_width + (self.columns - 1) * gap_x)
        self.panel_width = (width - left - right - (self.columns - 1) * gap_x) / self.columns
        self.panel_height = panel_height
        gap_y = (tick_room + 0.34 if gap_y is None else gap_y) + TITLE_LINE * (title_lines - 1)
        self.title = wrap(title, width - 0.3, STYLE["figure.titlesize"])
        self.legend_columns, legend_rows = legend_shape(legend_labels, width - 0.2)
        # the title, then the panel titles
        top = 0.12 + TITLE_LINE * (self.title.count("\n") + 1) + 0.3 + TITLE_LINE * (title_lines - 1)
        bottom = 0.1 + LEGEND_ROW * legend_rows + tick_room + (LABEL_ROOM if x_label else 0.05)
        height = top + bottom + rows * panel_height + (rows - 1) * gap_y
        self.bottom, self.tick_room, self.gap_x, self.right = bottom, tick_room, gap_x, right
        self.boxes = [(left + (i % self.columns) * (self.panel_width + gap_x),
                       bottom + (rows - 1 - i // self.columns) * (panel_height + gap_y)) for i in range(count)]
        self.fig = plt.figure(figsize=(width, height))
        self.inches = self.fig.dpi_scale_trans  # every artist is placed in inches from the bottom left
        # the panels' plotting areas (x0, y0, width, height) in inches, for whoever checks the figure
        self.fig.panel_boxes = [(x0, y0, self.panel_width, panel_height) for x0, y0 in self.boxes]
        self.fig.suptitle(self.title, y=1 - 0.1 / height, va="top")
        # (panel if clipped, else None; kind; style; colour; clipped) -> pieces, (n, 2) arrays in inches
        self._paths: dict = {}
        self._markers: dict = {}  # (panel or None, style) -> x, y

    def title_labels(self, names) -> dict:
        """Panel titles of ``names`` (``distinct_labels`` at the titles' width): {name: title}."""
        return distinct_labels(names, self.title_width, STYLE["axes.titlesize"])

    @property
    def title_width(self) -> float:
        """Inches a panel's title may take (``title_width``)."""
        return title_width(self.panel_width, self.gap_x, self.right)

    def first_column(self, i: int) -> bool:
        return i % self.columns == 0

    def bottom_of_column(self, i: int) -> bool:
        """Whether panel ``i`` has no panel below it."""
        return i + self.columns >= self.count

    def panel(self, i: int, x: Scale, y: Scale, *, title: str = "", xlabel: str = "", ylabel: str = "",
              xticklabels: bool = True, yticklabels: bool = True, grid: str = "xy",
              xtick_rotation: float = 0) -> Panel:
        """Panel ``i``'s frame (left and bottom spines), ticks, grid (``grid``: "x", "y",
        "xy" or ""), tick labels, title and axis labels; returns it for drawing."""
        x0, y0 = self.boxes[i]
        width, height = self.panel_width, self.panel_height
        xs = x0 + width * x.fraction(x.ticks)
        ys = y0 + height * y.fraction(y.ticks)
        frame = [np.array([(x0, y0 + height), (x0, y0), (x0 + width, y0)])]
        frame += [np.array([(px, y0), (px, y0 - TICK_LENGTH)]) for px in xs]
        frame += [np.array([(x0, py), (x0 - TICK_LENGTH, py)]) for py in ys]
        self._add(None, "frame", FRAME_STYLE, "black", frame)
        grids = [np.array([(px, y0), (px, y0 + height)]) for px in xs] if "x" in grid else []
        grids += [np.array([(x0, py), (x0 + width, py)]) for py in ys] if "y" in grid else []
        self._add(None, "grid", GRID_STYLE, GRID_COLOR, grids)
        text = self.text
        size = STYLE["xtick.labelsize"]
        label_y = y0 - TICK_LENGTH - TICK_PAD
        if xticklabels:
            for px, label in zip(xs, x.labels):
                text(px, label_y, label, ha="center", va="top", fontsize=size, rotation=xtick_rotation)
        label_x = x0 - TICK_LENGTH - TICK_PAD
        if yticklabels:
            for py, label in zip(ys, y.labels):
                text(label_x, py, label, ha="right", va="center", fontsize=size)
        if title:  # as wide as the panel and the gap beside it, at most (title_labels fit already)
            title = elide(title, self.title_width, STYLE["axes.titlesize"])
            text(x0 + width / 2, y0 + height + STYLE["axes.titlepad"] / 72, title, ha="center", va="bottom",
                 fontsize=STYLE["axes.titlesize"])
        if xlabel:
            lines = max((label.count("\n") + 1 for label in x.labels), default=1) if xticklabels else 0
            text(x0 + width / 2, label_y - LINE_OF_TICK_LABEL * lines - 0.02, xlabel, ha="center", va="top",
                 fontsize=STYLE["axes.labelsize"])
        if ylabel:
            room = max((text_width(label, size) for label in y.labels), default=0) if yticklabels else 0
            text(label_x - room - 0.06, y0 + height / 2, ylabel, ha="right", va="center", rotation=90,
                 fontsize=STYLE["axes.labelsize"])
        return Panel(self, i, x, y)

    def xlabel(self, label: str) -> None:
        """One x label for every panel, centred under the bottom row's tick labels."""
        self.text(self.fig.get_figwidth() / 2, self.bottom - self.tick_room - 0.02, label, ha="center", va="top",
                  fontsize=STYLE["axes.labelsize"])

    def text(self, x: float, y: float, s: str, **kwargs):
        """A text at (x, y) inches."""
        return self.fig.text(x, y, s, transform=self.inches, **kwargs)

    def finish(self, handles, labels, **legend_kwargs):
        """Add what was drawn to the figure and the legend below it; returns the figure."""
        for (index, kind, style, color, clip), pieces in self._paths.items():
            style = dict(style)
            if kind == "fill":
                patch = PathPatch(compound_path(pieces, closed=True), facecolor=color, edgecolor="none",
                                  linewidth=0, transform=self.inches, **style)
            else:
                patch = PathPatch(compound_path(pieces), fill=False, edgecolor=color, transform=self.inches, **style)
            patch.set_gid("data" if kind in ("line", "fill") else kind)
            self._clip(self.fig.add_artist(patch), index if clip else None)
        for (index, style), (xs, ys) in self._markers.items():
            line = Line2D(xs, ys, linestyle="none", transform=self.inches, gid="data", **dict(style))
            self._clip(self.fig.add_artist(line), index)
        if handles:
            height = self.fig.get_figheight()
            self.fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.06 / height),
                            ncol=self.legend_columns, frameon=False, **legend_kwargs)
        return self.fig

    def _add(self, index, kind: str, style: dict, color, pieces, clip: bool = False) -> None:
        """Collect ``pieces`` (polylines or polygon outlines) of ``kind``: "line", "fill", "frame" or "grid"."""
        defaults = {"frame": {"zorder": 2.5, "capstyle": "projecting"}, "grid": {"zorder": 0.5},
                    "line": {"linewidth": STYLE["lines.linewidth"], "zorder": 2}, "fill": {"zorder": 1}}[kind]
        style = {**defaults, **style}
        key = (index if clip else None, kind, tuple(sorted(style.items())), color, clip)
        self._paths.setdefault(key, []).extend(pieces)

    def _clip(self, artist, index) -> None:
        """Clip ``artist`` to panel ``index``'s box, or not at all (None)."""
        if index is None:
            artist.set_clip_on(False)
            return
        x0, y0 = self.boxes[index]
        artist.set_clip_box(TransformedBbox(Bbox.from_bounds(x0, y0, self.panel_width, self.panel_height),
                                            self.inches))


def step_envelope(x, low, high, columns: int):
    """The outline of a "steps-post" band over sorted ``x``, on at most ``columns`` columns.

    With fewer steps than columns it is the exact staircase. Otherwise each
    of ``columns`` equal columns spans the lowest ``low`` and highest
    ``high`` in force anywhere in it: the same picture at the column's
    width (a fill path is never simplified by the renderers, and a band of
    700 steps on 300 pixels was most of a figure's drawing time).
    Returns the outline's x, low and high.
    """
    if len(x) <= columns:
        return np.repeat(x, 2)[1:], np.repeat(low, 2)[:-1], np.repeat(high, 2)[:-1]
    edges = np.linspace(x[0], x[-1], columns + 1)
    column = np.minimum(np.searchsorted(edges, x, side="right") - 1, columns - 1)
    in_force = np.searchsorted(x, edges[:-1], side="right") - 1  # the step in force where each column starts
    top, bottom = high[in_force].copy(), low[in_force].copy()
    np.maximum.at(top, column, high)
    np.minimum.at(bottom, column, low)
    return np.repeat(edges, 2)[1:-1], np.repeat(bottom, 2), np.repeat(top, 2)


def compound_path(pieces, closed: bool = False) -> Path:
    """One path of many polylines (or polygons, ``closed``)."""
    vertices, codes = [], []
    for piece in pieces:
        piece = np.asarray(piece, dtype=float)
        piece_codes = np.full(len(piece) + closed, Path.LINETO, dtype=Path.code_type)
        piece_codes[0] = Path.MOVETO
        if closed:
            piece = np.vstack([piece, piece[:1]])
            piece_codes[-1] = Path.CLOSEPOLY
        vertices.append(piece)
        codes.append(piece_codes)
    if not vertices:
        return Path(np.empty((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


class Panel:
    """One panel of ``Panels``: draws data in its own coordinates onto the figure.

    Styles are keyword arguments of a matplotlib patch (``linestyle``,
    ``linewidth``, ``alpha``, ``zorder``) or, for markers, of ``Line2D``.
    ``clip=True`` clips to the panel's box; otherwise data outside the limits
    is drawn where it falls, so give limits that hold it.
    """

    def __init__(self, panels: Panels, index: int, x: Scale, y: Scale):
        self.panels, self.index, self.x, self.y = panels, index, x, y
        self.x0, self.y0 = panels.boxes[index]

    def points(self, x, y) -> np.ndarray:
        """(n, 2) figure coordinates (inches) of data points."""
        return np.column_stack([self.x0 + self.panels.panel_width * self.x.fraction(x),
                                self.y0 + self.panels.panel_height * self.y.fraction(y)])

    def line(self, x, y, *, color, steps: bool = False, clip: bool = False, **style) -> None:
        """A polyline through (x, y), broken where a value is NaN; ``steps`` draws it as
        matplotlib's "steps-post" (where the steps are narrower than BAND_COLUMNS_PER_INCH
        allows, as the polyline through them: the same picture at that resolution, with half
        the points)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if steps and 1 < len(x) <= self._columns(x):
            x, y = np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1]
        points = self.points(x, y)
        finite = np.isfinite(points).all(axis=1)  # a gap where a value is undefined
        pieces = [piece for piece in np.split(points, np.flatnonzero(np.diff(finite)) + 1) if np.isfinite(piece).all()]
        self.panels._add(self.index, "line", style, color, [piece for piece in pieces if len(piece) > 1], clip)

    def segments(self, segments, *, color, clip: bool = False, **style) -> None:
        """Polylines, each a sequence of (x, y) data points."""
        pieces = [self.points(*np.asarray(segment, dtype=float).T) for segment in segments]
        self.panels._add(self.index, "line", style, color, pieces, clip)

    def band(self, x, low, high, *, color, steps: bool = False, clip: bool = False, **style) -> None:
        """The area between ``low`` and ``high`` over ``x`` (as a step function if ``steps``)."""
        x, low, high = (np.asarray(v, dtype=float) for v in (x, low, high))
        if steps and len(x) > 1:
            x, low, high = step_envelope(x, low, high, self._columns(x))
        outline = np.concatenate([self.points(x, high), self.points(x, low)[::-1]])
        self.panels._add(self.index, "fill", style, color, [outline], clip)

    def polygon(self, points, *, color, clip: bool = False, **style) -> None:
        """A filled polygon through data points."""
        points = np.asarray(points, dtype=float)
        self.panels._add(self.index, "fill", style, color, [self.points(points[:, 0], points[:, 1])], clip)

    def bars(self, x, top, width: float, color, **style) -> None:
        """Bars of one colour centred at ``x`` from the panel's bottom up to ``top``."""
        x = np.asarray(x, dtype=float)
        left, right = self.points(x - width / 2, top), self.points(x + width / 2, top)
        pieces = [np.array([(a, self.y0), (a, b), (c, b), (c, self.y0)]) for (a, b), (c, _) in zip(left, right)]
        self.panels._add(self.index, "fill", style, color, pieces)

    def markers(self, x, y, *, clip: bool = False, **style) -> None:
        """Markers at (x, y); style as ``Line2D``'s (marker, markersize, color, mfc, mec, ...)."""
        points = self.points(x, y)
        xs, ys = self.panels._markers.setdefault((self.index if clip else None, tuple(sorted(style.items()))),
                                                 ([], []))
        xs.extend(points[:, 0])
        ys.extend(points[:, 1])

    def _columns(self, x) -> int:
        """How many columns of BAND_COLUMNS_PER_INCH the span of ``x`` covers in this panel."""
        span = abs(x[-1] - x[0]) / (self.x.high - self.x.low)
        return math.ceil(BAND_COLUMNS_PER_INCH * self.panels.panel_width * span)

    def text(self, fx: float, fy: float, s: str, **kwargs):
        """Text at a fraction (fx, fy) of the panel's box."""
        return self.panels.text(self.x0 + fx * self.panels.panel_width, self.y0 + fy * self.panels.panel_height, s,
                                **kwargs)
