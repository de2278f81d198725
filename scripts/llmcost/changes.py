"""What changed in the quoted numbers against a base, and whether it matters (``make changes``).

Compares an output folder's ``numbers.json`` with a base's (by default the
version committed at ``HEAD``) and lists, most important first:

1. conclusions that flipped: every statement of numbers.json's ``statements``
   (statements.py) whose value differs, e.g. a comparison's verdict, the
   table's best optimizer, a dataset's best router, a number that became
   defined or undefined;
2. numbers that left their interval: the new value lies outside the interval
   or spread the base's ``intervals`` section gives it (intervals.py);
3. every other quoted number that changed, old and new as the paper prints
   them, with the difference (relative too, for positive quantities that are
   not percentages); apart, those whose printed form did not change;
4. numbers (and statements) added or removed;
5. the published files that changed, and the paper sections (paper.py) that
   quote a changed number.

A base whose numbers.json predates the ``intervals`` and ``statements``
sections gets those the quoted numbers alone give (the intervals declared
beside them, quantities.py; every statement but the optimizer table's bold).

``load_base`` and ``published_digests`` read files and git; the rest are pure
functions of the two numbers.json and the file digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import InputError
from .intervals import intervals as declared_intervals
from .intervals import interval_at
from .numbers import leaves, macro_name, quoted, shown
from .publish import MANIFEST
from .quantities import PERCENT, quantity_at
from .statements import Sources, statements, title

#: what FAIL_ON may name: the part of the changes that makes the command exit 1
FAIL_ON = ("flipped", "outside")


@dataclass(frozen=True)
class NumberChange:
    """A quoted number present in both, with another value; ``interval``: the base's, if any."""
    path: tuple
    old: object
    new: object
    interval: dict | None = None

    @property
    def outside(self) -> bool:
        return (self.interval is not None and _is_number(self.new)
                and not self.interval["low"] <= self.new <= self.interval["high"])


@dataclass(frozen=True)
class Flip:
    """A statement whose value differs: its kind, what it is about, its old and new value."""
    kind: str
    path: tuple
    old: object
    new: object


@dataclass
class Changes:
    flips: list[Flip] = field(default_factory=list)
    outside: list[NumberChange] = field(default_factory=list)
    changed: list[NumberChange] = field(default_factory=list)
    below_precision: list[NumberChange] = field(default_factory=list)
    added: list[tuple] = field(default_factory=list)  # (path, value)
    removed: list[tuple] = field(default_factory=list)
    statements_added: list[Flip] = field(default_factory=list)  # old None
    statements_removed: list[Flip] = field(default_factory=list)  # new None
    notes: list[str] = field(default_factory=list)

    def numbers_changed(self) -> bool:
        return bool(self.flips or self.outside or self.changed or self.below_precision or self.added
                    or self.removed or self.statements_added or self.statements_removed)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _with_sections(numbers: Mapping, side: str, notes: list[str]) -> tuple[dict, dict]:
    """A numbers.json's intervals and statements; those the quoted numbers alone give where it
    has none (a numbers.json made before they were recorded), with a note saying so."""
    found = numbers.get("intervals"), numbers.get("statements")
    if all(section is not None for section in found):
        return found
    missing = " and ".join(name for name, section in zip(("intervals", "statements"), found) if section is None)
    consequences = (["its intervals are those its numbers declare beside them only"] if found[0] is None else []) \
        + (["the optimizer table's best optimizers are not compared"] if found[1] is None else [])
    notes.append(f"The {side} numbers.json has no {missing} (made by an older pipeline): "
                 f"{'; '.join(consequences)}.")
    return (found[0] if found[0] is not None else declared_intervals(numbers),
            found[1] if found[1] is not None else statements(Sources(numbers)))


def _statement_leaves(section: Mapping) -> dict:
    return {(kind, *path): value for kind, tree in section.items() if isinstance(tree, Mapping)
            for path, value in leaves(tree)}


def compare(base: Mapping, new: Mapping) -> Changes:
    """The changes from numbers.json ``base`` to ``new`` (both as read from JSON)."""
    changes = Changes()
    base_intervals, base_statements = _with_sections(base, "base's", changes.notes)
    _, new_statements = _with_sections(new, "new", changes.notes)
    old_leaves, new_leaves = dict(leaves(quoted(base))), dict(leaves(quoted(new)))

    # 1. statements: kinds both have; a statement about a number added or removed is not repeated
    old_said, new_said = _statement_leaves(base_statements), _statement_leaves(new_statements)
    kinds = set(base_statements) & set(new_statements)
    moved = old_leaves.keys() ^ new_leaves.keys()
    for key in [*new_said, *(k for k in old_said if k not in new_said)]:
        kind, path = key[0], key[1:]
        if kind not in kinds:
            continue
        if key in old_said and key in new_said:
            if old_said[key] != new_said[key]:
                changes.flips.append(Flip(kind, path, old_said[key], new_said[key]))
        elif path not in moved:
            (changes.statements_added if key in new_said else changes.statements_removed).append(
                Flip(kind, path, old_said.get(key), new_said.get(key)))
    flipped = {flip.path for flip in changes.flips}

    # 2, 3. numbers in both with another value, not already shown as a flipped statement
    for path, value in new_leaves.items():
        if path not in old_leaves:
            changes.added.append((path, value))
            continue
        old = old_leaves[path]
        if old == value or path in flipped or not (_is_number(old) and _is_number(value)):
            continue
        change = NumberChange(path, old, value, interval_at(base_intervals, path))
        if change.outside:
            changes.outside.append(change)
        elif printed(path, old) != printed(path, value):
            changes.changed.append(change)
        else:
            changes.below_precision.append(change)
    changes.removed = [(path, value) for path, value in old_leaves.items() if path not in new_leaves]
    return changes


def fails(changes: Changes, fail_on: str | None) -> bool:
    """Whether ``FAIL_ON`` (flipped, outside, or both comma-separated) asks to exit non-zero."""
    wanted = {part.strip() for part in (fail_on or "").split(",") if part.strip()}
    return ("flipped" in wanted and bool(changes.flips)) or ("outside" in wanted and bool(changes.outside))


# --- How a change is written ---------------------------------------------------------------------

def key(path) -> str:
    return ".".join(map(str, path))


def decimals(path) -> int | None:
    """The decimals the paper prints a number at ``path`` with (its declaration, quantities.py);
    None for a key no quantity declares (a base made by older code)."""
    quantity = quantity_at(path)
    return None if quantity is None else len(shown(path, 0.0).partition(".")[2])


def printed(path, value) -> str:
    """A value as the paper prints it, in plain text: ``undefined`` for a missing one; a number no
    quantity declares now (a base made by older code) with six significant digits."""
    if value is None:
        return "undefined"
    if isinstance(value, list):
        return " and ".join(map(str, value)) + " (tied)" if len(value) > 1 else (str(value[0]) if value else "none")
    if not _is_number(value):
        return str(value)
    if quantity_at(path) is None:
        return f"{value:.6g}"
    return shown(path, value).replace(r"\ensuremath{-}", "-")


def difference(change: NumberChange) -> str:
    """``+0.4``, with the relative change for a positive quantity that is not a percentage."""
    diff = change.new - change.old
    digits, quantity = decimals(change.path), quantity_at(change.path)
    text = f"{diff:+.{digits}f}" if digits is not None and round(diff, digits) != 0 else f"{diff:+.3g}"
    percentage = quantity is not None and quantity.unit in PERCENT
    if not percentage and change.old > 0 and change.new > 0:
        text += f", {100 * diff / change.old:+.1f} %"
    return text


def interval_text(interval: Mapping, path) -> str:
    return (f"{interval['kind']} {printed(path, interval['low'])} to {printed(path, interval['high'])} "
            f"({interval['from']})")


def number_line(change: NumberChange) -> str:
    line = (f"- `{key(change.path)}` (`\\{macro_name(change.path)}`): {printed(change.path, change.old)} → "
            f"{printed(change.path, change.new)} ({difference(change)})")
    if change.interval is not None:
        where = "outside" if change.outside else "inside"
        line += f"; {where} the base's {interval_text(change.interval, change.path)}"
    return line


def below_line(change: NumberChange) -> str:
    return (f"- `{key(change.path)}`: prints {printed(change.path, change.new)} as before "
            f"({change.old:.6g} → {change.new:.6g})")


def flip_line(flip: Flip, base: Mapping, new: Mapping) -> str:
    line = f"- {title(flip.kind)}: `{key(flip.path)}`: {printed(flip.path, flip.old)} → {printed(flip.path, flip.new)}"
    if flip.kind == "defined":  # the number itself
        old, new = (dict(leaves(quoted(n))).get(flip.path) for n in (base, new))
        line += f" ({printed(flip.path, old)} → {printed(flip.path, new)})"
    return line


def file_changes(base: Mapping[str, str] | None, new: Mapping[str, str] | None) -> dict | None:
    """The published files changed, added and removed (``{path: digest}`` each); None: not compared."""
    if base is None or new is None:
        return None
    return {"changed": sorted(p for p in new.keys() & base.keys() if new[p] != base[p]),
            "added": sorted(new.keys() - base.keys()), "removed": sorted(base.keys() - new.keys())}


def file_kind(path: str) -> str:
    if path.endswith((".pdf", ".png")):
        return "figures"
    if path.startswith("tables/"):
        return "tables"
    return "numbers" if path.startswith("numbers.") else "data"


def quoting_sections(changes: Changes, base: Mapping, new: Mapping) -> dict[str, list[str]]:
    """Paper section (paper.SECTIONS) -> the macros it quotes of numbers whose printed form changed,
    were added or removed."""
    from .paper import sections  # the paper's text; only needed here
    paths_new = [flip.path for flip in changes.flips] + [c.path for c in changes.outside + changes.changed] \
        + [path for path, _ in changes.added]
    paths_base = [path for path, _ in changes.removed]
    found: dict[str, list[str]] = {}
    for numbers, paths in ((new, paths_new), (base, paths_base)):
        if not paths:
            continue
        for name, text in sections(quoted(numbers), "").items():
            used = set(re.findall(r"\\([A-Za-z]+)\{\}", text))
            for path in paths:
                macro = macro_name(path)
                if macro in used and f"\\{macro}" not in found.setdefault(name, []):
                    found[name].append(f"\\{macro}")
    return {name: macros for name, macros in found.items() if macros}


def markdown(changes: Changes, files: dict | None, sections: Mapping[str, list[str]], base: Mapping,
             new: Mapping, output: str, label: str) -> str:
    """The report, as Markdown; one line when nothing changed."""
    files_changed = files is not None and any(files.values())
    if not changes.numbers_changed() and not files_changed:
        same = "quoted numbers, statements and files" if files is not None else "quoted numbers and statements"
        return f"Nothing changed: {output}/ has the same {same} as {label}.\n"
    out = [f"# Changes in {output}/ against {label}", ""]
    out += [f"_{note}_" for note in changes.notes] + ([""] if changes.notes else [])
    if not changes.numbers_changed():
        out += ["No quoted number or statement changed.", ""]
        return "\n".join(out + files_and_sections(changes, files, sections)) + "\n"
    out += ["## Conclusions that flipped", ""]
    out += [flip_line(flip, base, new) for flip in changes.flips] or ["None."]
    out += ["", "## Numbers that left their interval", ""]
    out += [number_line(c) for c in changes.outside] or [
        "None: every changed number that has an interval or spread in the base lies inside it."]
    if changes.changed or changes.below_precision:
        out += ["", "## Other quoted numbers that changed", ""]
        out += [number_line(c) for c in changes.changed] or ["None that prints differently."]
        if changes.below_precision:
            out += ["", "Changed below the printed precision (the paper prints the same):", ""]
            out += [below_line(c) for c in changes.below_precision]
    out += ["", "## Numbers added or removed", ""]
    out += added_or_removed(changes.added, base, "added", "=") + added_or_removed(changes.removed, new, "removed", "was")
    out += [f"- added statement: {title(s.kind)}: `{key(s.path)}`: {printed(s.path, s.new)}"
            for s in changes.statements_added]
    out += [f"- removed statement: {title(s.kind)}: `{key(s.path)}` (was {printed(s.path, s.old)})"
            for s in changes.statements_removed]
    if out[-1] == "":
        out.append("None.")
    return "\n".join(out + [""] + files_and_sections(changes, files, sections)) + "\n"


def added_or_removed(numbers: list[tuple], other: Mapping, what: str, sign: str) -> list[str]:
    """One line per number added (or removed), except where a whole branch is new to (or gone
    from) ``other`` side, e.g. a new dataset: then one line for the branch, with how many numbers
    it holds and its first."""
    groups: dict[tuple, list[tuple]] = {}
    for path, value in numbers:
        groups.setdefault(_first_absent(path, quoted(other)), []).append((path, value))
    lines = []
    for branch, members in groups.items():
        path, value = members[0]
        shown_value = f"= {printed(path, value)}" if sign == "=" else f"(was {printed(path, value)})"
        if len(members) == 1:
            lines.append(f"- {what} `{key(path)}` {shown_value}")
        else:
            lines.append(f"- {what} `{key(branch)}`: {len(members)} numbers, e.g. `{key(path)}` {shown_value}")
    return lines


def _first_absent(path: tuple, tree: Mapping) -> tuple:
    """The shortest start of ``path`` that ``tree`` does not hold (the branch that is new to it)."""
    node = tree
    for i, part in enumerate(path):
        if not isinstance(node, Mapping) or part not in node:
            return path[:i + 1]
        node = node[part]
    return path


def files_and_sections(changes: Changes, files: dict | None, sections: Mapping[str, list[str]]) -> list[str]:
    """The last part of the report: the published files that changed, the paper sections concerned."""
    out = ["## Files and paper sections", ""]
    if files is None:
        out.append(f"- files: not compared (the base has no {MANIFEST} listing its published files)")
    elif not any(files.values()):
        out.append("- files: none changed")
    else:
        for what in ("changed", "added", "removed"):
            by_kind: dict[str, list[str]] = {}
            for path in files[what]:
                by_kind.setdefault(file_kind(path), []).append(f"`{path}`")
            out += [f"- {kind} {what}: {', '.join(paths)}" for kind, paths in by_kind.items()]
    if sections:
        out += [f"- the paper's {name} section quotes {len(macros)} changed number"
                f"{'' if len(macros) == 1 else 's'}: {', '.join(f'`{m}`' for m in macros)}"
                for name, macros in sections.items()]
    elif changes.numbers_changed():
        out.append("- no paper section quotes a number whose printed form changed")
    return out


# --- Reading the two sides -----------------------------------------------------------------------

@dataclass
class Side:
    """One side of the comparison: its numbers.json, a label, and its published files' digests
    (None where they cannot be known)."""
    numbers: dict
    label: str
    files: dict[str, str] | None


def _read_json(text: str, where: str) -> dict:
    try:
        numbers = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). "
                         f"Regenerate it with make, or name another base with BASE=.") from None
    if not isinstance(numbers, dict):
        raise InputError(f"{where}: not a numbers.json (its top level is not an object).")
    return numbers


def blob_digest(data: bytes) -> str:
    """A file's git blob id (what ``git hash-object`` prints for it)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _manifest(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def published_digests(folder: Path) -> dict[str, str] | None:
    """``{file: digest}`` of the files the folder's manifest lists (None without a manifest)."""
    try:
        listed = _manifest((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return {path: blob_digest((folder / path).read_bytes()) for path in listed if (folder / path).is_file()}


def load_output(output: str) -> Side:
    path = Path(output) / "numbers.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: not found. Run make (with the same CONFIG) to make the output "
                         f"folder first.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error}).") from None
    return Side(_read_json(text, str(path)), f"{output}/", published_digests(Path(output)))


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True)


def load_base(output: str, base: str) -> Side:
    """The base: a numbers.json file (or a folder holding one), else a git revision whose
    ``{output}/numbers.json`` is read with git. One-line InputError where there is none."""
    candidate = Path(base)
    if candidate.is_dir():
        candidate = candidate / "numbers.json"
        if not candidate.is_file():
            raise InputError(f"BASE={base}: this folder holds no numbers.json.")
    if candidate.is_file() or base.endswith(".json"):
        try:
            text = candidate.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"BASE={base}: {candidate} not found.") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"BASE={base}: cannot read {candidate} ({error}).") from None
        return Side(_read_json(text, str(candidate)), f"{candidate}", published_digests(candidate.parent))
    folder = Path(output)
    if _git(folder, "rev-parse", "--show-toplevel").returncode != 0:
        raise InputError(f"{output}/ is not in a git repository, so it has no committed numbers.json to "
                         f"compare with: name one with BASE=<path to a numbers.json>.")
    commit = _git(folder, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if commit.returncode != 0:
        raise InputError(f"BASE={base} is neither a file nor a revision of this git repository "
                         f"(e.g. HEAD, HEAD~1, main, a commit).")
    short = commit.stdout.decode().strip()[:7]
    shown_base = base if short.startswith(base) else f"{base} ({short})"
    committed = _git(folder, "show", f"{base}:./numbers.json")
    if committed.returncode != 0:
        raise InputError(f"{shown_base} has no {output}/numbers.json (not committed there): name another "
                         f"revision, or a copy of your own with BASE=<path to a numbers.json>.")
    numbers = _read_json(committed.stdout.decode("utf-8", errors="replace"), f"{output}/numbers.json at {shown_base}")
    return Side(numbers, f"{shown_base}", _committed_digests(folder, base))


def _committed_digests(folder: Path, base: str) -> dict[str, str] | None:
    """``{file: blob id}`` at ``base`` of the files its committed manifest lists."""
    manifest = _git(folder, "show", f"{base}:./{MANIFEST}")
    tree = _git(folder, "ls-tree", "-r", "-z", "--full-tree", f"{base}:./")
    if manifest.returncode != 0 or tree.returncode != 0:
        return None
    blobs = {}
    for entry in tree.stdout.decode("utf-8", errors="replace").split("\0"):
        if "\t" in entry:
            meta, path = entry.split("\t", 1)
            blobs[path] = meta.split()[2]
    return {path: blobs[path] for path in _manifest(manifest.stdout.decode("utf-8", errors="replace"))
            if path in blobs}


def report(output: str, base: str) -> tuple[Changes, str]:
    """The changes of ``output`` against ``base`` and their Markdown."""
    new_side, base_side = load_output(output), load_base(output, base)
    changes = compare(base_side.numbers, new_side.numbers)
    files = file_changes(base_side.files, new_side.files)
    sections = quoting_sections(changes, base_side.numbers, new_side.numbers)
    text = markdown(changes, files, sections, base_side.numbers, new_side.numbers,
                    os.path.normpath(output), base_side.label)
    return changes, text
