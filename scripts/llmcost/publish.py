"""Publishing: the output folder receives the complete set of artifacts at once, or nothing.

Every job writes into a build area (``.build/<output>/``), never into the
output folder. Only when every job of a run has succeeded does the last job,
``publish``, copy the artifacts the current config makes into a fresh folder
beside the output folder and swap it in with two renames. So after a failed
run the output folder is exactly what the last good run left, and after a
good run it holds exactly the current artifacts: files that are no longer
made (a removed dataset, inputs pointed elsewhere) are gone.

Publishing replaces the whole folder, so it never deletes a file it did not
make: beside the artifacts it writes a manifest (``MANIFEST``) listing them,
and before any job runs ``check_output_folder`` refuses a folder holding, at
any depth, anything that is neither listed there nor an artifact of the
current config; a folder inside another output folder (one holding a
manifest) or inside the build area; and a mount point, which cannot be
renamed.

Standard library only: Snakemake imports this at parse time and runs
``publish`` in its own process.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
from collections import deque
from pathlib import Path, PurePosixPath

from .errors import InputError

#: Where jobs build, one area per output folder (never published).
BUILD_ROOT = ".build"
#: The file publishing writes into the output folder: what it put there, one path a line.
MANIFEST = ".llmcost-published"
MANIFEST_HEADER = ("# Written by the llm-cost pipeline's publish step: the files it put in this folder.\n"
                   "# Publishing replaces the folder and refuses one holding anything not listed here.\n")
SHOWN = 5  # foreign files named in the refusal


def area_name(output: str) -> str:
    """An output folder's path as one file name: its build area's and its logs' folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.normpath(output)).strip("_.") or "output"


def build_area(output: str) -> str:
    """The build area of an output folder: ``.build/`` plus the folder's path as one name."""
    return f"{BUILD_ROOT}/{area_name(output)}"


def manifest_text(artifacts: list[str]) -> str:
    return MANIFEST_HEADER + "".join(f"{path}\n" for path in sorted(artifacts))


def published_files(folder: Path) -> set[str]:
    """The files an earlier publish put in ``folder`` (empty if it holds no manifest)."""
    try:
        lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in lines if line and not line.startswith("#")}


def foreign_entries(folder: Path, allowed: set[str], limit: int = SHOWN) -> list[str]:
    """Up to ``limit + 1`` entries under ``folder`` that are neither an allowed file nor a
    folder leading to one, shallowest first, files before folders; a foreign folder is named
    (``name/``), not entered."""
    allowed_dirs = {parent.as_posix() for path in allowed for parent in PurePosixPath(path).parents}
    found: list[str] = []
    queue = deque([(folder, "")])
    while queue and len(found) <= limit:
        directory, prefix = queue.popleft()
        entries = sorted(os.scandir(directory), key=lambda entry: (entry.is_dir(), entry.name))
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if relative in allowed_dirs:
                    queue.append((Path(entry.path), relative + "/"))
                else:
                    found.append(relative + "/")
            elif relative not in allowed:
                found.append(relative)
    return found[:limit + 1]


def _unescape_mount_path(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def is_mount_point(folder: Path) -> bool:
    """Whether ``folder`` is a mount point, bind mounts of a folder of the same file system too
    (which ``os.path.ismount`` misses): from /proc/self/mountinfo where there is one."""
    if os.path.ismount(folder):
        return True
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    target = str(folder.resolve())
    return any(len(fields) > 4 and _unescape_mount_path(fields[4]) == target
               for fields in map(str.split, lines))


def enclosing_output_folder(folder: Path) -> Path | None:
    """The nearest folder above ``folder`` that publishing made (it holds a manifest)."""
    return next((parent for parent in folder.resolve().parents if (parent / MANIFEST).is_file()), None)


def check_output_folder(output: str, artifacts: list[str]) -> None:
    """Refuse, before any job runs, an output folder that publishing could not replace
    without deleting something it did not make, or could not replace at all."""
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{output}: config output names a file; it must name a folder.")
    build = Path(BUILD_ROOT).resolve()
    if folder.resolve() == build or build in folder.resolve().parents:
        raise InputError(f"{output}: the output folder (config output) is inside the build area "
                         f"{BUILD_ROOT}/, which jobs write and clean. Set output to a folder outside it.")
    outer = enclosing_output_folder(folder)
    if outer is not None:
        raise InputError(
            f"{output}: the output folder (config output) is inside {os.path.relpath(outer)}, an output "
            f"folder publishing made and replaces whole, with everything in it. Set output to a "
            f"folder outside it.")
    if not folder.is_dir():
        return
    if is_mount_point(folder):
        raise InputError(
            f"{output}: the output folder (config output) is a mount point (a volume or bind "
            f"mount), which publishing cannot swap for the new folder. Mount the volume one "
            f"folder up and publish into a folder in it, or set output to a folder that is not "
            f"a mount point.")
    refuse_foreign_files(output, artifacts)


def refuse_foreign_files(output: str, artifacts: list[str]) -> None:
    """Refuse an output folder holding anything that is neither in its manifest nor an artifact."""
    folder = Path(output)
    foreign = foreign_entries(folder, set(artifacts) | published_files(folder) | {MANIFEST})
    if foreign:
        shown = ", ".join(name + (" (another output folder)" if (folder / name / MANIFEST).is_file() else "")
                          for name in foreign[:SHOWN]) + (", ..." if len(foreign) > SHOWN else "")
        raise InputError(
            f"{output}: the output folder (config output) holds {shown}, which this pipeline did "
            f"not make. Publishing replaces the whole folder, so it only writes into a new or "
            f"empty folder or one it made. Move those out, or set output to another folder.")


@contextlib.contextmanager
def interrupts_held():
    """SIGINT and SIGTERM held back while the block runs, delivered after it."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def publish(build: str, output: str, artifacts: list[str]) -> None:
    """Replace ``output`` by a folder holding exactly ``artifacts`` (paths relative to both)
    and the manifest listing them.

    The new folder is assembled beside the old one and swapped in with two
    renames; leftovers of an interrupted earlier publish are removed first,
    and the new folder is removed if the swap fails. The old folder is checked
    again first: a file put there while the jobs ran is not deleted either.
    """
    if Path(output).is_dir():
        refuse_foreign_files(output, artifacts)
    target = Path(output).resolve()
    staging = target.with_name(f".{target.name}.publishing")
    previous = target.with_name(f".{target.name}.previous")
    for leftover in (staging, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        for relative in artifacts:
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(build) / relative, destination)
            os.chmod(destination, 0o644)
        (staging / MANIFEST).write_text(manifest_text(artifacts), encoding="utf-8")
        os.chmod(staging / MANIFEST, 0o644)
        with interrupts_held():  # Ctrl-C between the two renames would leave no output folder
            if target.exists():
                os.rename(target, previous)
            try:
                os.rename(staging, target)
            except OSError:
                if previous.exists():
                    os.rename(previous, target)
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
