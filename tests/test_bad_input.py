"""Bad input ends in one clear message; results/ and the inputs are left as they were.

Each case breaks one input of a finished pipeline copy, reruns Snakemake, and
checks the exit status, the message (file, and row/line/column where known),
that results/ is byte-identical to before and that the inputs are unchanged.
"""

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import snakemake

CELL = "data/capo/main_results/gsm8k/qwen/CAPO"
PARQUET_RUN = "data/capo/main_results/copa/mistral/CAPO/seed42/benchmark_experiment_copa_mistral_CAPO_42/kdfm"


def digest(root: Path) -> dict[str, str]:
    """Content hash of every file below ``root``, hidden files included."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def step_log(workdir: Path, seed: int = 43) -> Path:
    return next((workdir / CELL / f"seed{seed}").glob("*/*/step_results_eval.csv.gz"))


def rewrite_csv(workdir: Path, change) -> Path:
    """Replace a run's gzipped step log by a plain CSV with ``change(frame)`` applied."""
    path = step_log(workdir)
    frame = pd.read_csv(path)
    path.unlink()
    target = path.with_suffix("")  # step_results_eval.csv
    change(frame, target)
    return target


def write_frame(frame, target):
    frame.to_csv(target, index=False)


def set_value(column, row, value):
    def change(frame, target):
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        write_frame(frame, target)
    return change


def drop(column):
    return lambda frame, target: write_frame(frame.drop(columns=[column]), target)


def truncate(workdir):
    path = step_log(workdir)
    text = gzip.decompress(path.read_bytes())
    path.unlink()
    path.with_suffix("").write_bytes(text[: len(text) // 2])


def second_run_folder(workdir):
    seed = workdir / CELL / "seed43"
    run = next(seed.glob("*/*"))
    shutil.copytree(run, run.parent / "zzzz")


TOKEN_CASES = {
    "no step log": (lambda w: step_log(w).unlink(), r"seed43/\S+: no step log; expected one of"),
    "empty file": (lambda w: rewrite_csv(w, lambda f, t: t.write_text("")),
                   r"step_results_eval\.csv: cannot be read as a step log \(Empty CSV file\)"),
    "header-only csv": (lambda w: rewrite_csv(w, lambda f, t: write_frame(f.iloc[:0], t)),
                        r"step_results_eval\.csv: the step log has a header but no rows"),
    "truncated csv": (truncate, r"step_results_eval\.csv, line \d+: cannot be read as a step log"),
    "corrupt gzip": (lambda w: step_log(w).write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 50),
                     r"step_results_eval\.csv\.gz: cannot be read as a step log"),
    "corrupt parquet": (lambda w: (w / PARQUET_RUN / "step_results.parquet").write_bytes(b"PAR1" + b"x" * 64),
                        r"kdfm/step_results\.parquet: cannot be read as a step log"),
    "missing token column": (lambda w: rewrite_csv(w, drop("output_tokens_downstream_llm")),
                             r"step_results_eval\.csv: missing column\(s\) output_tokens_downstream_llm"),
    "missing step column": (lambda w: rewrite_csv(w, drop("step")),
                            r"step_results_eval\.csv: missing column\(s\) step;"),
    "non-numeric tokens": (lambda w: rewrite_csv(w, set_value("input_tokens_meta_llm", 3, "many")),
                           r"column input_tokens_meta_llm, data row 4 \(line \d+\): value 'many' is not a whole"),
    "negative tokens": (lambda w: rewrite_csv(w, set_value("output_tokens_meta_llm", 0, -3)),
                        r"column output_tokens_meta_llm, data row 1 \(line 2\): value '-3' is not a whole"),
    "infinite tokens": (lambda w: rewrite_csv(w, set_value("input_tokens_downstream_llm", 2, "inf")),
                        r"column input_tokens_downstream_llm, data row 3 \(line \d+\): value 'inf'"),
    "test score in percent": (lambda w: rewrite_csv(w, set_value("test_score", 2, 89.8)),
                              r"step_results_eval\.csv: column test_score, data row 3 \(line \d+\): value '89\.8' "
                              r"is not a test score: a fraction between 0 and 1 \(e\.g\. 0\.898, not 89\.8 %\)\. "
                              r"Fix or remove that row\."),
    "negative time_elapsed": (lambda w: rewrite_csv(w, set_value("time_elapsed", 4, -250.0)),
                              r"step_results_eval\.csv: column time_elapsed, data row 5 \(line \d+\): value "
                              r"'-250\.0' is not a duration: a finite number of seconds, 0 or more\. Fix or "
                              r"remove that row\."),
    "two run folders for one seed": (second_run_folder,
                                     r"seed43: 2 run folders for one seed: .*/zzzz\. Say which"),
    "seed folder not seed<digits>": (lambda w: shutil.copytree(w / CELL / "seed43", w / CELL / "seed_43b"),
                                     r"seed_43b: a seed folder must be named seed<digits>"),
}


ROUTER = "data/automix/router_data/router_data_coqa_short.jsonl.gz"
LOGITS = "data/automix/logits_entropy/coqa_short_answerlogits.jsonl.gz"


def edit_jsonl(relative: str, change):
    """Rewrite a gzipped JSON Lines input: ``change(records)`` returns the new lines (text)."""
    def mutate(workdir):
        path = workdir / relative
        records = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]
        path.write_bytes(gzip.compress("\n".join(change(records)).encode() + b"\n", mtime=0))
    return mutate


def dumped(change_records):
    """A change that edits the records in place, then writes them back one per line."""
    def change(records):
        change_records(records)
        return [json.dumps(record) for record in records]
    return change


def set_field(line, field, value):
    return dumped(lambda records: records[line - 1].__setitem__(field, value))


def equal_perf(records):
    for record in records:
        record["perf_llm"] = record["perf_slm"]


ROUTING_CASES = {
    "row counts differ": (edit_jsonl(ROUTER, lambda r: [json.dumps(x) for x in r[:-1]]),
                          r"coqa_short_answerlogits\.jsonl\.gz has 1000 rows but \S+router_data_coqa_short"
                          r"\.jsonl\.gz has 999"),
    "malformed line": (edit_jsonl(ROUTER, lambda r: [json.dumps(x) for x in r[:6]] + ["{\"id\": 7,"]
                                  + [json.dumps(x) for x in r[7:]]),
                       r"router_data_coqa_short\.jsonl\.gz, line 7, column \d+: not valid JSON \(Expecting"),
    "missing column": (edit_jsonl(ROUTER, dumped(lambda r: [x.pop("perf_llm") for x in r])),
                       r"router_data_coqa_short\.jsonl\.gz: missing column\(s\) perf_llm"),
    "NaN avg_logp": (edit_jsonl(LOGITS, set_field(5, "avg_logp", float("nan"))),
                     r"coqa_short_answerlogits\.jsonl\.gz: column avg_logp has 1 value\(s\) that are "
                     r"not finite .* at line\(s\) 5\."),
    "infinite entropy": (edit_jsonl(LOGITS, set_field(9, "avg_entropy_nats", float("inf"))),
                         r"column avg_entropy_nats has 1 value\(s\) that are not finite .* line\(s\) 9\."),
    "NaN perf": (edit_jsonl(ROUTER, set_field(3, "perf_slm", None)),
                 r"router_data_coqa_short\.jsonl\.gz: column perf_slm has 1 value\(s\) that are not "
                 r"finite .* line\(s\) 3\."),
    "perf outside [0, 1]": (edit_jsonl(ROUTER, set_field(12, "perf_llm", 1.5)),
                            r"column perf_llm must be a performance score .* \(the first 1\.5\), at line\(s\) 12\. Fix"),
    "positive avg_logp": (edit_jsonl(LOGITS, set_field(4, "avg_logp", 0.7)),
                          r"coqa_short_answerlogits\.jsonl\.gz: column avg_logp must be a mean log-probability: "
                          r"a finite number, 0 or less, but 1 value\(s\) are not \(the first 0\.7\), at line\(s\) 4\."),
    "confidence in percent": (edit_jsonl(ROUTER, set_field(8, "slm_confidence", 75)),
                              r"router_data_coqa_short\.jsonl\.gz: column slm_confidence must be a confidence: .* "
                              r"\(the first 75\.0\), at line\(s\) 8\."),
    "one file only": (lambda w: shutil.copy(w / LOGITS, w / LOGITS.replace("coqa_short", "squad")),
                      r"squad_answerlogits\.jsonl\.gz: dataset 'squad' has this file but not "
                      r"\S+router_data_squad\.jsonl\(\.gz\)"),
}


def check_fails_cleanly(workdir: Path, expected: str, *args: str) -> str:
    results_before = digest(workdir / "results")
    inputs_before = digest(workdir / "data")
    result = snakemake(workdir, "--cores", "2", *args, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert re.search(expected, output), output[-3000:]
    assert "Traceback" not in output and 'File "' not in output, output[-3000:]  # the message only
    assert digest(workdir / "results") == results_before
    assert digest(workdir / "data") == inputs_before
    return output


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_bad_token_input(rerun_copy, case):
    mutate, expected = TOKEN_CASES[case]
    mutate(rerun_copy)
    check_fails_cleanly(rerun_copy, expected)


@pytest.mark.parametrize("case", ROUTING_CASES)
def test_bad_routing_input(rerun_copy, case):
    mutate, expected = ROUTING_CASES[case]
    mutate(rerun_copy)
    check_fails_cleanly(rerun_copy, expected)


@pytest.mark.parametrize("config, expected", [
    ("tokens={'datasets': ['imdb']}", r"tokens\.datasets lists imdb, which no run .* found: agnews, copa"),
    ("tokens={'runs': 'no/such/folder'}", r"no/such/folder: the runs folder \(config tokens\.runs\) does not exist"),
    ("tokens={'table_optimizer': 'OPRO'}", r"table_optimizer is 'OPRO'.*found: CAPO, EvoPromptGA"),
    ("tokens={'sedes': [1]}", r"config tokens: Additional properties are not allowed \('sedes' was unexpected\)"),
    ("optimization={'table_budget': 7}", r"optimization\.table_budget is 7, which is not among"),
    ("routing={'costs': {'llm': 'twenty'}}", r"'twenty' is not of type 'number'"),
    ("routing={'datasets': ['squad']}", r"router_data_squad\.jsonl: not found, but config "
                                        r"routing\.datasets lists 'squad'"),
    ("routing={'logits': 'elsewhere/{dataset}.jsonl'}", r"elsewhere/\{dataset\}\.jsonl: no file matches"),
])
def test_bad_config(rerun_copy, config, expected):
    args = ("--forcerun", "token_tables") if "table_optimizer" in config else ()
    check_fails_cleanly(rerun_copy, expected, "--config", config, *args)


def test_equal_keep_and_route_costs(rerun_copy):
    (rerun_copy / "free_llm.yaml").write_text("routing:\n  costs:\n    llm: 0\n")
    check_fails_cleanly(rerun_copy, r"routing\.costs\.llm is 0: .* IBC_base .* is undefined",
                        "--configfile", "config.yaml", "free_llm.yaml")
    # the same number through --config (nested values arrive as text; the schema makes them numbers)
    check_fails_cleanly(rerun_copy, r"routing\.costs\.llm is 0", "--config", "routing={'costs': {'llm': 0}}")


def test_equal_means_warn_and_publish_a_dash(rerun_copy):
    edit_jsonl(ROUTER, dumped(equal_perf))(rerun_copy)
    result = snakemake(rerun_copy, "--cores", "2")
    output = result.stdout + result.stderr
    assert output.count("coqa_short: P_LLM (0.462594) is not above P_SLM (0.462594)") == 1
    assert r"No IBC baseline for coqa\_short:" in (rerun_copy / "results/tables/routing_ibc.tex").read_text()


def test_disagreeing_rows_of_a_step_warn_and_go_on(rerun_copy):
    def change(frame, target):
        first_step = frame["step"].iloc[0]
        rows = frame.index[frame["step"] == first_step]
        frame.loc[rows[1], "input_tokens_meta_llm"] += 1
        write_frame(frame, target)
    rewrite_csv(rerun_copy, change)
    results_before = digest(rerun_copy / "results")
    result = snakemake(rerun_copy, "--cores", "2")
    output = result.stdout + result.stderr
    assert len(re.findall(r"WARNING: gsm8k/qwen/CAPO/seed43/\S+: 1 of \d+ steps \(1\) have rows whose token "
                          r"counts disagree, as when a resumed run appended to its step log; the first row of "
                          r"each is used", output)) == 1
    # the first row is what the totals always used: every artifact is unchanged
    assert digest(rerun_copy / "results") == results_before


def test_a_second_run_on_the_same_bad_input_fails_again(rerun_copy):
    """A failed job's outputs are deleted, and Snakemake alone would not look past the missing
    file to the bad input behind it ("Nothing to be done", exit 0): publish's completeness
    param makes every run retry the job until the input is fixed."""
    mutate, expected = TOKEN_CASES["non-numeric tokens"]
    mutate(rerun_copy)
    check_fails_cleanly(rerun_copy, expected)
    output = check_fails_cleanly(rerun_copy, expected)
    assert "Nothing to be done" not in output
    assert re.search(r"Error in rule read_runs \(log: logs/results/read_runs/gsm8k\.log\):\n    ERROR: \S+step_results_eval"
                     r"\.csv: column input_tokens_meta_llm", output), output
