"""Does this interpreter's environment hold exactly the lock?

`make` runs this with the venv's Python before anything else (about 0.1 s). Exit 0, silent, when
the environment holds every distribution of the lock at the lock's version, the workflow's logger
plugin as its sources are, and nothing else. Otherwise one line for each difference, naming the
package and both versions (a new venv: one line), and exit 1: `make` then installs the lock again
and empties the build area, so that the next run makes every artifact with the lock's versions.

    python scripts/check_venv.py requirements.txt                # the check
    python scripts/check_venv.py --entry uv requirements.txt     # uv's lines of the lock (to bootstrap it)
    python scripts/check_venv.py --not-in-lock requirements.txt  # what `uv pip sync` keeps (setuptools)

Standard library only: it must run in a venv that holds nothing yet.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: What `python -m venv` installs (ensurepip): a venv holding only these is new.
VENV_SEED = {"pip", "setuptools", "wheel"}
#: The workflow's own Snakemake logger plugin: a local package, installed after the lock with
#: --no-deps (a hash-checked install refuses an unhashed local path).
LOGGER = REPO / "workflow" / "logger"


def canonical(name: str) -> str:
    """A distribution's name as the package index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(lock: Path) -> dict[str, str]:
    """Each entry of a lock (`uv pip compile` output), name: its lines (``name==version \\`` and its
    hashes)."""
    entries, name = {}, None
    for line in lock.read_text().splitlines():
        if match := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", line):
            name = canonical(match.group(1))
            entries[name] = line
        elif name and line.startswith("    --hash="):
            entries[name] += "\n" + line
        else:
            name = None
    return entries


def locked_versions(lock: Path) -> dict[str, str]:
    """name: version of every distribution the lock pins."""
    return {name: re.match(r"\S+==([^\s\\;]+)", text).group(1) for name, text in lock_entries(lock).items()}


def installed_versions() -> dict[str, str]:
    """name: version of every distribution installed in this interpreter's environment."""
    return {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
            if d.metadata["Name"]}


def logger_version() -> str:
    return tomllib.loads((LOGGER / "pyproject.toml").read_text())["project"]["version"]


def logger_is_current() -> bool:
    """The installed logger plugin's files have the bytes of its sources (RECORD's hashes)."""
    distribution = importlib.metadata.distribution("snakemake-logger-plugin-brief")
    for file in distribution.files or ():
        if file.suffix != ".py" or not file.hash or file.parts[0] != "snakemake_logger_plugin_brief":
            continue
        source = LOGGER / Path(*file.parts)
        digest = base64.urlsafe_b64encode(hashlib.sha256(source.read_bytes()).digest()).rstrip(b"=").decode() \
            if source.is_file() else None
        if digest != file.hash.value:
            return False
    return True


def differences(lock: Path, installed: dict[str, str]) -> list[str]:
    """One line for each way ``installed`` differs from the lock and the logger plugin."""
    expected = {**locked_versions(lock), "snakemake-logger-plugin-brief": logger_version()}
    lines = []
    for name in sorted(expected.keys() | installed.keys()):
        want, have = expected.get(name), installed.get(name)
        if want == have:
            continue
        if have is None:
            lines.append(f"{name} {want} is in {lock.name} but not installed")
        elif want is None:
            lines.append(f"{name} {have} is installed but not in {lock.name}")
        else:
            lines.append(f"{name} {have} is installed, {lock.name} has {want}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--entry", help="print this distribution's lines of the lock and exit")
    parser.add_argument("--not-in-lock", action="store_true",
                        help="print the installed distributions that the lock does not pin and exit")
    args = parser.parse_args()
    if args.entry:
        print(lock_entries(args.lock)[canonical(args.entry)])
        return 0
    installed = installed_versions()
    locked = locked_versions(args.lock)
    if args.not_in_lock:
        print(" ".join(sorted(installed.keys() - locked.keys() - {"snakemake-logger-plugin-brief"})))
        return 0
    venv = Path(sys.prefix).name
    if installed.keys() <= VENV_SEED:
        print(f"{venv}: installing {args.lock.name} (every distribution pinned, with hashes)")
        return 1
    lines = differences(args.lock, installed)
    if not lines and not logger_is_current():
        lines = [f"snakemake-logger-plugin-brief {logger_version()} is installed, but not as "
                 f"{LOGGER.relative_to(REPO)}/ is now"]
    for line in lines:
        print(f"{venv} differs from the lock: {line}")
    if lines:
        print(f"{venv}: installing {args.lock.name} again, and the next run makes every artifact with it "
              f"(make lock changes the lock on purpose: docs/reruns.md)")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
