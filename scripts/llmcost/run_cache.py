"""Each run read once, ever: what ``read_runs`` derives from a run, kept in the build area.

A dataset's ``read_runs`` job derives from each run its per-step columns
(``runs._run_step_columns``: the four token counts and the optimization
stage's per-step scores) and its racing counts, then writes the dataset's
tables. A new seed reruns the job, and without a cache it would read every
run of the dataset again to add one. So the job keeps what it derived in one
file per dataset (``<build area>/cache/runs/<dataset>.runs``) and, next time,
reads only the runs that are new or changed.

- **Key.** A run's entry is keyed by its files with their sizes and
  modification times (ns), exactly as the run manifest lists them
  (``manifest.manifest_text``): the step log, and the racing log or its
  absence. The job takes them with ``os.stat`` before reading, so a file that
  changes while it is read is read again next time. A run rewritten with the
  same size and modification time keeps its entry: that is the cache's limit,
  the same as the run manifest's (docs/reruns.md).
- **Version.** The file holds a version key: a digest of this format, the
  Python, NumPy, pandas and PyArrow versions, and the source of every llmcost
  module the derivation imports (``deriving_modules``: found by following the
  package's own imports from ``runs.py``, so a module imported later is
  covered too). An edit to any of them changes the key, and every run is
  read again.
- **Never trusted.** A file that is missing, truncated, corrupt (its body's
  SHA-256 is in its header) or of another version is ignored as a whole and
  every run of the dataset is read; a line in the job's log says why.
- **The same bytes.** An entry holds the arrays' bytes as derived and the
  warnings logged while deriving them (replayed on a hit, so the job's log is
  the same), so the tables are byte-identical with and without the cache.
- **Removed runs drop out.** The file is rewritten with the dataset's current
  runs only.
- **Bounded.** Entries are about a hundredth of their step logs (73 bytes a
  step: 5.4 KB for a run of 70 steps). Beyond ``MAX_CACHE_BYTES`` over all datasets the least
  recently written files are deleted. The cache lives in the build area and
  goes with it (``rm -rf .build``); a run with ``--forceall`` (``make check``)
  or ``--forcerun read_runs`` starts by deleting it (``start_without_run_cache``,
  common.smk), so it reads every run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .discovery import Run
from .manifest import manifest_text
from .runs import _run_step_columns, run_racing_counts

log = logging.getLogger("llmcost")

#: The first bytes of a cache file; the format's own version is part of ``version_key``.
MAGIC = b"llmcost run cache 1\n"
SUFFIX = ".runs"
#: The cache's size over all datasets: about 190,000 runs of 70 steps.
MAX_CACHE_BYTES = 1 << 30
#: Where each module the derivation imports is found, and where the following starts.
PACKAGE = Path(__file__).resolve().parent
DERIVING_ROOTS = ("runs", "run_cache")


@dataclass
class Derived:
    """What ``read_runs`` derives from one run: its per-step columns, its racing counts (None without
    a racing log) and the messages logged while deriving them (level, text)."""

    columns: dict[str, np.ndarray]
    racing: tuple[int, int] | None
    messages: list[tuple[int, str]]


def deriving_modules(roots=DERIVING_ROOTS) -> list[str]:
    """The llmcost modules that ``roots`` import, directly or not (``from .x import``), sorted."""
    found, pending = set(), list(roots)
    while pending:
        name = pending.pop()
        if name in found or not (PACKAGE / f"{name}.py").is_file():
            continue
        found.add(name)
        text = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
        pending += re.findall(r"^\s*from \.(\w+) import", text, flags=re.M)
        for names in re.findall(r"^\s*from \. import \(?([\w, ]+)", text, flags=re.M):
            pending += [part.split(" as ")[0].strip() for part in names.split(",")]
    return sorted(found)


def version_key(time_elapsed: str = "auto") -> str:
    """The digest a cache file must carry to be used (see the module's docstring); the
    ``time_elapsed`` convention the runs are read with (config optimization.time_elapsed) is
    part of it, so another convention reads every run again."""
    import pandas
    import pyarrow

    digest = hashlib.sha256(MAGIC)
    for part in (time_elapsed, sys.version.split()[0], np.__version__, pandas.__version__, pyarrow.__version__):
        digest.update(part.encode() + b"\0")
    for name in deriving_modules():
        digest.update(name.encode() + b"\0" + (PACKAGE / f"{name}.py").read_bytes() + b"\0")
    return digest.hexdigest()


# --- deriving, through the cache -----------------------------------------------------------------

class _Recorder(logging.Handler):
    """Keeps the messages logged while one run is derived (they are also logged as usual)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.levelno, record.getMessage()))


def derived_runs(runs: list[Run], folder: str | os.PathLike, name: str,
                 time_elapsed: str = "auto") -> list[Derived]:
    """What ``read_runs`` derives from each of ``runs`` (in their order): from the cache file
    ``folder/name.runs`` where it holds the run's entry, else read; the file is then rewritten
    with exactly these runs. Step logs are read first and racing logs after, as without a cache,
    so a job with two bad files reports the same one."""
    path = Path(folder) / f"{name}{SUFFIX}"
    keys = [manifest_text([run]) for run in runs]  # taken before reading: a later change is a new key
    version = version_key(time_elapsed)
    stored = load(path, version)
    derived: list[Derived | None] = []
    for run, key in zip(runs, keys):
        entry = stored.get(key)
        if entry is not None:
            for level, message in entry.messages:
                log.log(level, "%s", message)
            derived.append(entry)
            continue
        recorder = _Recorder()
        log.addHandler(recorder)
        try:
            columns = _run_step_columns(run, time_elapsed)
        finally:
            log.removeHandler(recorder)
        derived.append(Derived(columns, None, recorder.messages))
    read = [i for i, key in enumerate(keys) if key not in stored]
    for i in read:
        derived[i].racing = run_racing_counts(runs[i], json.loads(keys[i])[3])
    if read or len(stored) != len(keys):
        save(path, version, keys, derived)
        bound(Path(folder), keep=path)
    log.info("run cache: %d of %d runs read, %d from %s", len(read), len(runs), len(runs) - len(read), path)
    return derived


# --- the file: magic, header length, JSON header, body ---------------------------------------------

def save(path: Path, version: str, keys: list[str], derived: list[Derived]) -> None:
    """Write the entries of ``keys`` atomically: the header (version, body digest, columns, one
    record per run) as JSON, then each column's values over all runs as raw little-endian bytes."""
    columns = [(name, values.dtype.newbyteorder("<").str) for name, values in derived[0].columns.items()] \
        if derived else []
    if any([(name, values.dtype.newbyteorder("<").str) for name, values in entry.columns.items()] != columns
           for entry in derived):
        log.info("run cache: the runs' columns differ; %s not written", path)
        return
    body = b"".join(np.concatenate([entry.columns[name] for entry in derived]).astype(dtype).tobytes()
                    for name, dtype in columns)
    header = json.dumps({
        "version": version, "body_sha256": hashlib.sha256(body).hexdigest(), "body_bytes": len(body),
        "columns": columns,
        "runs": [{"key": key, "steps": len(entry.columns[columns[0][0]]), "racing": entry.racing,
                  "messages": entry.messages} for key, entry in zip(keys, derived)],
    }).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed job of this dataset
        stale.unlink(missing_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(MAGIC + len(header).to_bytes(8, "little") + header + body)
    os.replace(temporary, path)


def load(path: Path, version: str) -> dict[str, Derived]:
    """The entries of the cache file at ``path`` by key; empty, with a log line saying why, when it
    is missing or cannot be trusted (truncated, corrupt, another version)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        return _ignored(path, f"cannot be read ({error.strerror})")
    start = len(MAGIC) + 8
    if not data.startswith(MAGIC) or len(data) < start:
        return _ignored(path, "is not a run cache of this format")
    length = int.from_bytes(data[len(MAGIC):start], "little")
    try:
        header = json.loads(data[start:start + length])
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _ignored(path, "has a truncated or corrupt header")
    if not isinstance(header, dict) or header.get("version") != version:
        return _ignored(path, "was written by another version of the code or libraries")
    body = memoryview(data)[start + length:]
    if len(body) != header["body_bytes"] or hashlib.sha256(body).hexdigest() != header["body_sha256"]:
        return _ignored(path, "is truncated or corrupt (its body does not match its digest)")
    lengths = [record["steps"] for record in header["runs"]]
    offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    columns, position = {}, 0
    for name, dtype in header["columns"]:
        values = np.frombuffer(body, dtype=dtype, count=int(offsets[-1]), offset=position)
        columns[name] = values.astype(np.dtype(dtype).newbyteorder("="), copy=False)
        position += values.nbytes
    return {record["key"]: Derived({name: values[offsets[i]:offsets[i + 1]] for name, values in columns.items()},
                                   None if record["racing"] is None else tuple(record["racing"]),
                                   [(level, message) for level, message in record["messages"]])
            for i, record in enumerate(header["runs"])}


def _ignored(path: Path, why: str) -> dict:
    log.info("run cache %s %s: every run of the dataset is read", path, why)
    return {}


def bound(folder: Path, keep: Path, limit: int = MAX_CACHE_BYTES) -> None:
    """Delete the least recently written cache files until those left hold at most ``limit`` bytes
    (``keep``, the file just written, last)."""
    files = []
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            status = path.stat()
        except FileNotFoundError:  # deleted by another dataset's job
            continue
        files.append((path == keep, status.st_mtime_ns, status.st_size, path))
    size = sum(entry[2] for entry in files)
    for _, _, bytes_, path in sorted(files):
        if size <= limit:
            break
        path.unlink(missing_ok=True)
        size -= bytes_
        log.info("run cache: %s deleted (the cache holds at most %d MB)", path, limit >> 20)
