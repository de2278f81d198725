"""A Snakemake logger plugin: a short terminal log for this workflow (``logger: brief``).

Per job one line: the progress so far, the rule (and its wildcards), what the
job makes (the rule's ``message:``) and why it runs (Snakemake's reason,
shortened to its kinds). A failed job: one line naming its rule and log, then
the log's error lines (the message naming the bad file; the whole tail where a
job crashed), which also reach the terminal when the job ran elsewhere (a
cluster node); Snakemake's restatements of it (the exception of the job's
process, the final "did not complete") are left out. On Ctrl-C: a line that
the run was interrupted, and as the last line, whether the output folder is as
it was (the interrupt came before ``publish``) or holds this run's artifacts.
The SLURM executor's guess of an account (three warnings, one of them
``sacct: invalid option -- '1'`` from the guess's own bug in plugin 2.8.0)
becomes one line saying what it submits with and where to set the account.
Warnings and other errors
are printed in full with Snakemake's own formatter; so is everything in a dry
run (``snakemake -n``), which is where the details (inputs, outputs, reasons
with file names) belong. At 4000 runs a full run prints about one line per job.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase

#: Snakemake's reasons (the text before the file list), shortened.
REASONS = {
    "Missing output files": "not built yet",
    "Incomplete output files": "failed or interrupted before",
    "Updated input files": "input changed",
    "Input files updated by another job": "input remade",
    "Code has changed since last execution": "code changed",
    "Params have changed since last execution": "settings or input files changed",
    "Set of input files has changed since last execution": "inputs added or removed",
    "Software environment definition has changed since last execution": "environment changed",
    "Forced execution": "forced",
}
#: Plain messages worth a line of their own; the rest (host, cores, shell, ...) only in --verbose.
SHOWN = ("Building DAG of jobs", "Nothing to be done", "Complete log")
#: Errors that only restate a failed job's error, which its own lines have shown.
RESTATED = ("RuleException", "WorkflowError:\nAt least one job did not complete successfully")
TAIL = 15  # lines of a failed job's log shown when it has no ERROR line (a crash: its traceback)
#: Snakemake's line on Ctrl-C (info, hidden like the rest), and what this logger says instead.
TERMINATING = "Terminating processes on user request"
INTERRUPTED = "Interrupted (Ctrl-C): stopping the running jobs."
#: The SLURM executor's warnings while it guesses an account (no ``slurm_account`` resource set).
ACCOUNT_GUESS = ("No SLURM account given, trying to guess",
                 "No account was given, not able to get a SLURM account via sacct")
ACCOUNT_GUESSED = ("Unable to guess SLURM account", "Guessed SLURM account: ")
SET_ACCOUNT = "set one: default-resources: slurm_account in profiles/slurm/config.yaml, docs/slurm.md"
#: The last line after an interrupt, by whether the job that writes the output folder had finished.
PUBLISH_RULE = "publish"
NOT_PUBLISHED = ("Interrupted before publishing: the output folder is as it was. Run the same "
                 "command again to finish (jobs that were cut off are redone).")
PUBLISHED = "Interrupted after publishing: the output folder holds this run's complete artifacts."


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    pass


def why(reason: str) -> str:
    """Snakemake's reason, as its kinds: ``"new, code changed"``."""
    kinds = []
    for part in str(reason).split("; "):
        label = part.split(":", 1)[0].strip()
        kind = REASONS.get(label, label.lower())
        if kind and kind not in kinds:
            kinds.append(kind)
    return ", ".join(kinds)


def error_lines(record) -> list[str]:
    """A failed job: its rule and logs, then the logs' ERROR lines (or, if none has one, their tails).

    On a cluster the executor adds its own job log (the job step's whole output);
    its tail is shown only when no log names the error.
    """
    logs = list(getattr(record, "log", None) or [])
    lines = [f"Error in rule {record.rule_name}" + (f" (log: {', '.join(logs)}):" if logs else ":")]
    contents, missing = {}, []
    for path in logs:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                contents[path] = handle.read().splitlines()
        except OSError:
            missing.append(f"    (no log at {path})")
    errors = [line for content in contents.values() for line in content if line.startswith("ERROR:")]
    shown = errors or [line for content in contents.values() for line in content[-TAIL:]]
    lines += ["    " + line for line in shown] + missing
    lines += [f"    {name}: {value}" for name, value in (getattr(record, "aux", None) or {}).items()]
    return lines


def account_line(message: str) -> str | None:
    """The SLURM executor's account guess as one line (``""``: a step of it, not shown)."""
    message = message.strip()
    if message.startswith(ACCOUNT_GUESS):
        return ""
    if message.startswith(ACCOUNT_GUESSED[0]):
        return f"SLURM: no account set, submitting without one ({SET_ACCOUNT})."
    if message.startswith(ACCOUNT_GUESSED[1]):
        return f"SLURM: no account set, submitting with the guessed account {message.split(': ', 1)[1]} ({SET_ACCOUNT})."
    return None


def job_line(record, started: int, total: int | None) -> str:
    """``[k/N] rule wildcards: message (why)``: the k-th job this run starts, of the N it announced."""
    wildcards = ", ".join(str(value) for value in (getattr(record, "wildcards", None) or {}).values())
    rule = record.rule_name + (f" {wildcards}" if wildcards else "")
    what = getattr(record, "rule_msg", None) or ", ".join(getattr(record, "output", None) or [])
    progress = f"[{started}/{total}] " if total else ""
    return f"{progress}{rule}: {what} ({why(record.reason)})"


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        from snakemake.logging import DefaultFilter, DefaultFormatter

        common = self.common_settings
        self.full = DefaultFormatter(common.quiet, common.show_failed_logs)
        self.default_filter = DefaultFilter(common.quiet, common.debug_dag, common.verbose,
                                            common.dryrun, common.printshellcmds)
        self.stream = sys.stdout if common.stdout else sys.stderr
        self.done, self.started, self.total, self.closed = 0, 0, None, False
        self.rules: dict[object, str] = {}  # job id -> rule, to know when publish has finished
        self.published = self.interrupted = self.account_shown = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.line(record)
            if line:
                self.stream.write(line + "\n")
                self.stream.flush()
        except Exception:  # noqa: BLE001 (logging must never stop the workflow)
            self.handleError(record)

    def line(self, record: logging.LogRecord) -> str | None:
        if not self.default_filter.filter(record):
            return None
        event = getattr(record, "event", None)
        if self.common_settings.dryrun or self.common_settings.verbose:
            return self.full.format(record)
        if event == LogEvent.RUN_INFO:
            self.total = (getattr(record, "stats", None) or {}).get("total")
            plural = "s" if self.total != 1 else ""
            return f"{self.total} job{plural} to run (snakemake -n lists them with their reasons)" if self.total else None
        if event == LogEvent.JOB_INFO:  # the target rule (all) makes nothing: no line
            self.rules[getattr(record, "jobid", None)] = record.rule_name
            if record.rule_name == "all":
                return None
            self.started += 1
            return job_line(record, self.started, self.total)
        if event == LogEvent.JOB_FINISHED:
            self.published |= self.rules.get(getattr(record, "job_id", None)) == PUBLISH_RULE
            return None
        if event == LogEvent.PROGRESS:
            return self.progress(record.done, record.total)
        if event in (LogEvent.SHELLCMD, LogEvent.RESOURCES_INFO, LogEvent.JOB_STARTED):
            return None
        if event == LogEvent.JOB_ERROR:  # after Ctrl-C: jobs cut off, not failed (the last line says so)
            return None if self.interrupted else "\n".join(error_lines(record))
        if record.levelno >= logging.ERROR and str(record.msg).lstrip().startswith(RESTATED):
            return None
        account = account_line(str(record.msg)) if record.levelno == logging.WARNING else None
        if account is not None:  # once per run (the plugin may guess for parallel submissions)
            shown, self.account_shown = account and not self.account_shown, self.account_shown or bool(account)
            return account if shown else None
        if record.levelno >= logging.WARNING or event in (LogEvent.GROUP_ERROR, LogEvent.ERROR):
            return self.full.format(record)
        message = self.full.format(record)
        if message.lstrip().startswith(TERMINATING):
            self.interrupted = True
            return INTERRUPTED
        if self.interrupted and message.lstrip().startswith("Complete log"):
            return f"{message}\n{PUBLISHED if self.published else NOT_PUBLISHED}"
        return message if message.lstrip().startswith(SHOWN) else None

    def progress(self, done: int, dag_jobs: int) -> str | None:
        """The closing line once this run's jobs are done. Snakemake's progress counts the
        jobs this run has finished, but out of every job of the DAG, which with --until (or
        targets whose downstream jobs are in the DAG) holds jobs this run never executes:
        the total is the one the run announced, that of its job stats (the smaller, should
        a job leave the DAG while it runs)."""
        self.done = done
        self.total = min(self.total, dag_jobs) if self.total else dag_jobs
        if self.done < self.total or self.closed:
            return None
        self.closed = True
        return f"{self.total} of {self.total} jobs done"

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return True

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False
