"""The figures' fonts: DejaVu Sans, then fonts for the scripts it lacks where installed.

DejaVu Sans (bundled with matplotlib) draws Latin, Greek and Cyrillic; a name
in Chinese, Japanese or Korean needs another font. The figures' font family
is DejaVu Sans followed by those of ``FALLBACKS`` that are installed (Debian's
fonts-noto-cjk gives the Noto Sans CJK ones; ``make`` installs it where it can,
scripts/ensure_fonts.sh). matplotlib consults a fallback only for a glyph
DejaVu Sans lacks, so a figure whose texts DejaVu Sans draws is the same bytes
with or without the fallbacks installed. DejaVu Sans is always matplotlib's own copy, never a
system one (Debian's fonts-dejavu-core, which TeX and Chromium bring in, is another build of it,
and matplotlib would prefer it once its font list knows it): the figures' embedded fonts, and so
their bytes, do not depend on what else the machine has installed.

A name with characters that no installed font draws is warned about once,
naming it (after looking for fonts installed since matplotlib cached its font
list); matplotlib's own warning per missing glyph and drawing is silenced.
"""

from __future__ import annotations

import functools
import logging
import warnings
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, LoadFlags

log = logging.getLogger("llmcost")

PRIMARY = "DejaVu Sans"
#: Fonts for a glyph DejaVu Sans lacks, a group per script: the first of each group installed is
#: used (the Noto Sans CJK ones draw the same characters, in their regions' glyph forms).
FALLBACKS = (("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR"),
             ("Noto Sans Arabic",), ("Noto Sans Hebrew",), ("Noto Sans Devanagari",), ("Noto Sans Thai",))
INSTALL_HINT = "Debian: apt-get install fonts-noto-cjk, which `make` runs where it can"
#: matplotlib's own font files, where its DejaVu Sans lies
BUNDLED = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.cache
def families() -> list[str]:
    """DejaVu Sans, then the first fallback of each group that matplotlib finds installed."""
    _primary_from_matplotlib()
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    found = (next((family for family in group if family in installed), None) for group in FALLBACKS)
    return [PRIMARY, *filter(None, found)]


def _primary_from_matplotlib() -> None:
    """DejaVu Sans from matplotlib's own files only (see the module's text). matplotlib's cached
    font list is shared by every venv of the user and may name another venv's copy, or none."""
    manager = font_manager.fontManager
    ours = {str(path) for path in BUNDLED.glob("DejaVuSans*.ttf")}
    kept = [entry for entry in manager.ttflist if entry.name != PRIMARY or entry.fname in ours]
    if len(kept) != len(manager.ttflist) or not ours <= {entry.fname for entry in kept}:
        manager.ttflist = kept
        for path in sorted(ours - {entry.fname for entry in kept}):
            manager.addfont(path)
        font_manager.FontManager._findfont_cached.cache_clear()


@functools.cache
def _faces() -> list[FT2Font]:
    """The font files of ``families()``, each on its own (no fallback of its own)."""
    paths = [font_manager.findfont(font_manager.FontProperties(family=family)) for family in families()]
    return [FT2Font(path.path, face_index=path.face_index) for path in paths]


@functools.cache
def _face_of(char: str) -> FT2Font | None:
    """The first of the figures' fonts that draws ``char``, or None."""
    return next((face for face in _faces() if face.get_char_index(ord(char))), None)


@functools.cache
def advance_em(char: str) -> float:
    """The advance width of ``char`` in ems, in the font that draws it (DejaVu Sans's widest
    glyph, "W", where none does: the box drawn instead is about as wide)."""
    face = _face_of(char)
    if face is None:
        face, char = _faces()[0], "W"
    return face.load_char(ord(char), flags=LoadFlags.NO_SCALE).horiAdvance / face.units_per_EM


def check_drawable(name: str) -> None:
    """Warn once per name that has characters no installed font draws (they show as boxes)."""
    _check(str(name))


@functools.cache
def _check(name: str) -> None:
    missing = "".join(sorted({char for char in name if not char.isspace() and _face_of(char) is None}))
    if missing and _add_fonts_installed_since_cached():
        missing = "".join(char for char in missing if _face_of(char) is None)
    if missing:
        log.warning("the name %r has characters that no installed font draws (%s): the figures show them as "
                    "boxes. Install a font for them (%s) and rerun the figures.", name, missing, INSTALL_HINT)


@functools.cache
def _add_fonts_installed_since_cached() -> bool:
    """Add the system fonts matplotlib's cached font list lacks (it never looks again after
    building it), and whether a fallback family came with them (then the figures use it)."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # not a font FreeType reads
                continue
    before = families()
    forget(names=False)
    matplotlib.rcParams["font.family"] = families()
    return families() != before


def forget(names: bool = True) -> None:
    """Look the fonts up anew (and, with ``names``, warn again about names already warned about)."""
    for cached in (families, _faces, _face_of, advance_em) + ((_check, _add_fonts_installed_since_cached)
                                                              if names else ()):
        cached.cache_clear()


def silence_missing_glyph_warnings() -> None:
    """matplotlib warns per missing glyph and per drawing; ``check_drawable`` warns once per name."""
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
