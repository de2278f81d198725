"""Publishing: the output folder receives the complete set of artifacts at once, or nothing.

Every job writes into a build area (``.build/<output>/``), never into the
output folder. Only when every job of a run has succeeded does the last job,
``publish``, copy the artifacts the current config makes into a fresh folder
beside the output folder and swap it in with two renames. So after a failed
run the output folder is exactly what the last good run left, and after a
good run it holds exactly the current artifacts: files that are no longer
made (a removed dataset, inputs pointed elsewhere) are gone.

Because publishing replaces the whole folder, it refuses a folder that holds
anything the pipeline does not make (``output: .`` or a data folder by mistake).

Standard library only: Snakemake imports this at parse time and runs
``publish`` in its own process.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from .errors import InputError

#: Every top-level name the pipeline may create in the output folder.
OUTPUT_ENTRIES = frozenset({"tokens", "optimization", "routing", "tables", "figures",
                            "numbers.tex", "numbers.json"})


def build_area(output: str) -> str:
    """The build area of an output folder: ``.build/`` plus the folder's path as one name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.normpath(output)).strip("_.") or "output"
    return f".build/{name}"


def check_output_folder(output: str) -> None:
    """Refuse an output folder that holds something the pipeline does not make."""
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{output}: config output names a file; it must name a folder.")
    foreign = sorted(entry.name for entry in folder.iterdir()
                     if entry.name not in OUTPUT_ENTRIES) if folder.is_dir() else []
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise InputError(
            f"{output}: the output folder (config output) holds {shown}, which this pipeline does "
            f"not make. Publishing replaces the whole folder, so it only writes into a new or "
            f"empty folder or one it made. Move those out, or set output to another folder.")


def publish(build: str, output: str, artifacts: list[str]) -> None:
    """Replace ``output`` by a folder holding exactly ``artifacts`` (paths relative to both).

    The new folder is assembled beside the old one and swapped in with two
    renames; leftovers of an interrupted earlier publish are removed first.
    """
    target = Path(output).resolve()
    staging = target.with_name(f".{target.name}.publishing")
    previous = target.with_name(f".{target.name}.previous")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    for relative in artifacts:
        destination = staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(build) / relative, destination)
        os.chmod(destination, 0o644)
    if target.exists():
        os.rename(target, previous)
    os.rename(staging, target)
    shutil.rmtree(previous, ignore_errors=True)
