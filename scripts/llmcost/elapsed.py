"""A run's ``time_elapsed`` read by what it is: each step's own seconds, or the seconds since the run started.

Loggers write either. CAPO's writes each step's own duration (the first step's
counted from the run's start); others write the seconds since the run started
(cumulative). Per step k = 1..n in step order, with T_k its largest
``time_elapsed`` and S_k its latest ``timestamp`` (written as the step ends):

- **per step**: the run's wall-clock is T_1 + ... + T_n, and the timestamps
  span S_n - S_1 = T_2 + ... + T_n;
- **cumulative**: the wall-clock is T_n; T never decreases, and the timestamps
  span T_n - T_1.

Where every step has both, a convention fits when its span is the timestamps'
within ``tolerance`` (the bundled per-step logs: within about a second over
up to 999 steps). Where both fit, both give the same wall-clock (T_1 plus the
span) and per step is taken; where neither fits, an ``InputError`` names the
run. Config ``optimization.time_elapsed`` may state the convention
(``per_step``, ``cumulative``): a log whose timestamps contradict it is an
error too; a log without timestamps is read as stated, and by ``auto`` (the
default) as per step, CAPO's convention.

``step_durations`` gives each step's own seconds whichever the convention, so
that a run's wall-clock is their sum (``optimization.wall_clock_hours``).
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

CONVENTIONS = ("auto", "per_step", "cumulative")
SPOKEN = {"per_step": "per step (each step's own seconds)",
          "cumulative": "cumulative (seconds since the run started)"}


def tolerance(span: float) -> float:
    """Seconds by which a convention's span may miss the timestamps': the two are read from the
    clock separately at each step, and a long run drifts by a few milliseconds a step."""
    return 2.0 + 0.01 * span


def fitting(times: np.ndarray, stamps: np.ndarray) -> list[str]:
    """The conventions under which per-step ``times`` (T) agree with per-step ``stamps`` (S,
    seconds), both in step order and without NaN."""
    span = float(stamps[-1] - stamps[0])
    fits = []
    if abs(float(np.sum(times[1:])) - span) <= tolerance(span):
        fits.append("per_step")
    if np.all(np.diff(times) >= 0) and abs(float(times[-1] - times[0]) - span) <= tolerance(span):
        fits.append("cumulative")
    return fits


def convention(times: np.ndarray, stamps: np.ndarray | None, stated: str, source: str) -> str:
    """How ``times`` are meant: ``per_step`` or ``cumulative`` (module docstring). An
    InputError naming ``source`` where the timestamps fit neither, or not the stated one."""
    checkable = stamps is not None and len(times) > 1 and not (np.isnan(times).any() or np.isnan(stamps).any())
    if not checkable:
        return "per_step" if stated == "auto" else stated
    fits = fitting(times, stamps)
    span = float(stamps[-1] - stamps[0])
    sums = (f"per step its time_elapsed values sum to {float(np.sum(times[1:])):.1f} s after the first step, "
            f"cumulative they span {float(times[-1] - times[0]):.1f} s, and its timestamps span {span:.1f} s "
            f"from the first step to the last")
    if not fits:
        raise InputError(f"{source}: time_elapsed fits neither convention against the log's timestamps ({sums}). "
                         f"Check the time_elapsed and timestamp columns (seconds per step, or since the run "
                         f"started), or remove the run.")
    if stated == "auto":
        return fits[0]
    if stated not in fits:
        raise InputError(f"{source}: config optimization.time_elapsed says {SPOKEN[stated]}, but the log's "
                         f"timestamps say {SPOKEN[fits[0]]} ({sums}). Set optimization.time_elapsed to auto, "
                         f"or check the run's log.")
    return stated


def step_durations(times: np.ndarray, stamps: np.ndarray | None, stated: str = "auto",
                   source: str = "the step log") -> np.ndarray:
    """Each step's own seconds, from its largest ``time_elapsed`` (``times``, step order) read by its
    ``convention``; NaN where a step has none."""
    if convention(times, stamps, stated, source) == "per_step":
        return times
    return np.diff(times, prepend=0.0)
