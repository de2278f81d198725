"""Deterministic, atomic writing of artifacts and the one error type for bad input.

Every artifact is written to a temporary file next to its target and renamed
into place, so a failed or interrupted job never leaves a truncated file.
JSON has a fixed key order (the order the code builds it in), two-space
indentation and ``null`` for NaN or infinity; CSV uses ``\\n`` line endings and
Python's shortest round-trip float repr, so equal numbers give equal bytes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from .errors import InputError

log = logging.getLogger("llmcost")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def to_jsonable(obj: Any) -> Any:
    """Plain Python values for ``json``: NumPy scalars unwrapped, NaN/inf -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if obj is pd.NA or obj is None:
        return None
    return obj


def dumps_json(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, dumps_json(obj))


def write_csv(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def write_parquet(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """An intermediate table between jobs: types kept (names stay text, counts stay int64)."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


#: Columns that hold names: read back as text, whatever they look like ("007", "None", "NA").
NAME_COLUMNS = ("dataset", "model", "optimizer", "run", "router", "metric")


def read_csv(path: str | os.PathLike) -> pd.DataFrame:
    """A CSV written by ``write_csv``, read back exactly: names verbatim as text, empty
    cells (only) missing; pandas parses floats exactly (round trip)."""
    header = pd.read_csv(path, nrows=0).columns
    return pd.read_csv(path, dtype={c: str for c in NAME_COLUMNS if c in header},
                       keep_default_na=False, na_values=[""])


def read_json(path: str | os.PathLike) -> Any:
    """A JSON file written by ``write_json``."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def remove_stale_temporaries(outputs) -> None:
    """Delete temporary files that a killed earlier attempt left beside these outputs."""
    for output in outputs:
        target = Path(output)
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            stale.unlink(missing_ok=True)


def run_rule(main: Callable[[Any], None], snakemake: Any) -> None:
    """Entry point of a rule script: log to the rule's log, turn InputError into one message.

    Info goes to the log file; warnings and errors also go to stderr, which
    Snakemake shows in the terminal. An ``InputError`` exits with status 1 and
    its message, never a traceback; any other exception (a bug, not bad input)
    exits with status 1 after logging its traceback, so that the log of a job
    that ran on a cluster node holds it too.
    """
    logger = logging.getLogger("llmcost")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    logger.propagate = False
    if snakemake.log:
        to_file = logging.FileHandler(snakemake.log[0], mode="w", encoding="utf-8")
        to_file.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(to_file)
    to_terminal = logging.StreamHandler(sys.stderr)
    to_terminal.setLevel(logging.WARNING)
    to_terminal.setFormatter(logging.Formatter(f"[{snakemake.rule}] %(levelname)s: %(message)s"))
    logger.addHandler(to_terminal)
    remove_stale_temporaries(snakemake.output)
    started = time.perf_counter()
    try:
        main(snakemake)
    except InputError as error:
        logger.error("%s", error)
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C reaches every job of the terminal: Snakemake says so, once
        logger.info("interrupted (Ctrl-C)")
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 (logged with its traceback, then the job fails)
        logger.exception("unexpected %s: %s (a bug, not bad input; the traceback follows)",
                         type(error).__name__, error)
        sys.exit(1)
    # what the job used, for sizing cluster requests (workflow/rules/resources.smk)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    logger.info("done: peak memory %.0f MB, %.2f s", peak_mb, time.perf_counter() - started)
    if sys.modules["__main__"].__dict__.get("snakemake") is snakemake:  # the job's own script
        exit_at_once(logger)


def exit_at_once(logger: logging.Logger) -> None:
    """End a job whose outputs are all written and closed without the interpreter's teardown:
    freeing every module and object of pandas, pyarrow and matplotlib takes 0.05 to 0.15 s of
    each job, for nothing. The log and the standard streams are flushed first."""
    for handler in logger.handlers:
        handler.flush()
        handler.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
