"""Bad input ends in one clear message; results/ and the inputs are left as they were.

The cases follow docs/bad-input.md's table: each row's promises ("names file, column,
data row and value") are read from the table, and every case of the row says, for each
promise, what the message must hold for it. A case breaks one input of a finished
pipeline copy, reruns Snakemake, and checks the exit status, every promise in the
message, no traceback, that results/ is byte-identical to before and that the inputs
are unchanged. A row whose check needs a setup of its own (a mount point, the warning
of a good run) names the test that makes it; that test must exist and its file hold
each promised text. A row without a case, or a promise without its text, fails the walk.
"""

import gzip
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import FEW_RESAMPLES, REPO, snakemake

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


def set_every(column, value):
    def change(frame, target):
        frame[column] = value
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


def duplicate_column(column):
    """A header with ``column`` twice, as after merging test scores into a log that had them."""
    return lambda frame, target: write_frame(pd.concat([frame, frame[[column]]], axis=1), target)


def separated(separator, decimal="."):
    return lambda frame, target: frame.to_csv(target, index=False, sep=separator, decimal=decimal)


def tokens_summing_to_2_to_the_53(frame, target):
    """Each count below 2^53, the run's total of input_tokens_meta_llm 2^53 (two steps of 2^52)."""
    steps = sorted(frame["step"].unique())[:2]
    frame.loc[frame["step"].isin(steps), "input_tokens_meta_llm"] = 2**52
    write_frame(frame, target)


def plain_copy_beside(workdir):
    path = step_log(workdir)
    path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))


def repeated_racing_block(workdir):
    import pyarrow.parquet as pq
    path = step_log(workdir).parent / "prompt_scores.parquet"
    table = pq.read_table(path)
    block = next(name for name in table.column_names if not name.startswith("__"))
    pq.write_table(table.append_column(block, table.column(block)), path)


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


def plain_router_copy_beside(workdir):
    path = workdir / ROUTER
    path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))


CNLI_ROUTER = "data/automix/router_data/router_data_cnli_short.jsonl.gz"
CNLI_LOGITS = "data/automix/logits_entropy/cnli_short_answerlogits.jsonl.gz"


def logits_with_ids(change):
    """cnli_short's logits file given its router file's ids (unique there, unlike coqa_short's),
    then ``change(records)``."""
    def mutate(workdir):
        router = [json.loads(line) for line in gzip.decompress((workdir / CNLI_ROUTER).read_bytes()).splitlines()]

        def add_ids(records):
            for record, query in zip(records, router):
                record["id"] = query["id"]
            change(records)
            return [json.dumps(record) for record in records]
        edit_jsonl(CNLI_LOGITS, add_ids)(workdir)
    return mutate


def drop_id(records):
    del records[4]["id"]


def repeat_id(records):
    records[9]["id"] = records[3]["id"]


def unknown_id(records):
    records[9]["id"] = "not-a-query"


def repeated_key(records):
    lines = [json.dumps(record) for record in records]
    lines[4] = lines[4][:-1] + ', "perf_slm": 0.5}'
    return lines


# --- docs/bad-input.md's table, a case per row --------------------------------------------------

@dataclass(frozen=True)
class Fails:
    """A run on a finished pipeline copy broken by ``mutate(workdir)`` (and given ``args``) stops;
    its output holds, for each promise of the row, the regex ``says[promise]``."""
    mutate: object
    says: dict
    args: tuple = ()


@dataclass(frozen=True)
class Elsewhere:
    """The row is checked by ``test`` ("test_x.py::test_name"); that test's file holds each text
    of ``says`` (what it asserts for each promise)."""
    test: str
    says: dict


FILE = r"step_results_eval\.csv:"
ROW_CASES = {  # a part of the row's input cell -> its cases
    "run folder without a step log": [
        Fails(lambda w: step_log(w).unlink(), {"run folder": r"seed43/\S+: no step log",
                                               "file names looked for": r"expected one of step_results_eval\.csv, "
                                                                        r"step_results_eval\.csv\.gz, step_results\.parquet"})],
    "empty file, header-only CSV": [
        Fails(lambda w: rewrite_csv(w, lambda f, t: t.write_text("")),
              {"file": r"step_results_eval\.csv: cannot be read as a step log \(Empty CSV file\)"}),
        Fails(lambda w: rewrite_csv(w, lambda f, t: write_frame(f.iloc[:0], t)),
              {"file": r"step_results_eval\.csv: the step log has a header but no rows"}),
        Fails(truncate, {"file": r"step_results_eval\.csv, line \d+: cannot be read as a step log",
                         "line": r"\.csv, line \d+:"}),
        Fails(lambda w: step_log(w).write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 50),
              {"file": r"step_results_eval\.csv\.gz: cannot be read as a step log"}),
        Fails(lambda w: (w / PARQUET_RUN / "step_results.parquet").write_bytes(b"PAR1" + b"x" * 64),
              {"file": r"kdfm/step_results\.parquet: cannot be read as a step log"})],
    "step log without `step` or one of the four token columns": [
        Fails(lambda w: rewrite_csv(w, drop("output_tokens_downstream_llm")),
              {"file": FILE, "missing": r"missing column\(s\) output_tokens_downstream_llm;",
               "present columns": r"; it has step, .*input_tokens_downstream_llm, .*test_score"}),
        Fails(lambda w: rewrite_csv(w, drop("step")),
              {"file": FILE, "missing": r"missing column\(s\) step;",
               "present columns": r"; it has \S+, .*input_tokens_meta_llm"})],
    "twice in a step log's header": [
        Fails(lambda w: rewrite_csv(w, duplicate_column("test_score")),
              {"file": FILE, "column": r"column test_score appears 2 times in the header",
               "its places in the header": r"\(columns \d+ and \d+\)", "keep one of them": r"Keep one of them"})],
    "a step log saved with `;` or tabs": [
        Fails(lambda w: rewrite_csv(w, separated(";", decimal=",")),
              {"file": FILE, "separator it seems to use": r"looks ';'-separated",
               "what to do": r"save it comma-separated, with '\.' as the decimal mark"}),
        Fails(lambda w: rewrite_csv(w, separated("\t")),
              {"file": FILE, "separator it seems to use": r"looks tab-separated",
               "what to do": r"save it comma-separated"})],
    "token count (or step) that is not a whole number": [
        Fails(lambda w: rewrite_csv(w, set_value("input_tokens_meta_llm", 3, "many")),
              {"file": FILE, "column": r"column input_tokens_meta_llm,", "data row": r"data row 4 \(line \d+\)",
               "value": r"value 'many' is not a whole"}),
        Fails(lambda w: rewrite_csv(w, set_value("output_tokens_meta_llm", 0, -3)),
              {"file": FILE, "column": r"column output_tokens_meta_llm,", "data row": r"data row 1 \(line 2\)",
               "value": r"value '-3' is not a whole"}),
        Fails(lambda w: rewrite_csv(w, set_value("input_tokens_downstream_llm", 2, "inf")),
              {"file": FILE, "column": r"column input_tokens_downstream_llm,", "data row": r"data row 3 \(line \d+\)",
               "value": r"value 'inf'"})],
    "a run whose total of a token column reaches 2^53": [
        Fails(lambda w: rewrite_csv(w, tokens_summing_to_2_to_the_53),
              {"step log": FILE, "column": r"column input_tokens_meta_llm sums to more than 2\^53 tokens",
               "is it a running total": r"not a running total"})],
    "cell that is text": [
        Fails(lambda w: rewrite_csv(w, set_value("test_score", 2, "high")),
              {"file": FILE, "column": r"column test_score,", "data row": r"data row 3 \(line \d+\)",
               "value": r"value 'high' is not a number"})],
    "fits neither convention against its `timestamp` column": [
        Fails(lambda w: rewrite_csv(w, set_every("timestamp", "2025-03-26 10:00:00")),
              {"run": r"gsm8k/qwen/CAPO/seed43/\S+: time_elapsed fits neither convention",
               "what `time_elapsed` sums to": r"time_elapsed values sum to [\d.]+ s",
               "what the timestamps span": r"its timestamps span 0\.0 s",
               "what to check": r"Check the time_elapsed and timestamp columns"})],
    "any number outside its column's valid range": [
        Fails(lambda w: rewrite_csv(w, set_value("test_score", 2, 89.8)),
              {"file": FILE, "column": r"column test_score,", "data row or line": r"data row 3 \(line \d+\)",
               "value": r"value '89\.8'", "valid range": r"is not a test score: a fraction between 0 and 1 "
                                                         r"\(e\.g\. 0\.898, not 89\.8 %\)\. Fix or remove that row\."}),
        Fails(lambda w: rewrite_csv(w, set_value("time_elapsed", 4, -250.0)),
              {"file": FILE, "column": r"column time_elapsed,", "data row or line": r"data row 5 \(line \d+\)",
               "value": r"value '-250\.0'", "valid range": r"is not a duration: a finite number of seconds, 0 or "
                                                           r"more\. Fix or remove that row\."}),
        Fails(edit_jsonl(ROUTER, set_field(12, "perf_llm", 1.5)),
              {"file": r"router_data_coqa_short\.jsonl\.gz:", "column": r"column perf_llm must be",
               "data row or line": r"at line\(s\) 12\.", "value": r"\(the first 1\.5\)",
               "valid range": r"must be a performance score \(accuracy or F1\): a fraction between 0 and 1"})],
    "`step_results_eval.csv` and `.csv.gz` in one run folder": [
        Fails(plain_copy_beside, {"both": r"seed43/\S+/step_results_eval\.csv and \S+/step_results_eval\.csv\.gz: "
                                          r"two copies of one step log"})],
    "`seed042` next to `seed42`": [
        Fails(lambda w: shutil.copytree(w / CELL / "seed43", w / CELL / "seed043"),
              {"both folders": r"CAPO/seed043 and \S+CAPO/seed43: two folders for seed 43"})],
    "`prompt` column is empty on every row": [
        Elsewhere("test_steplogs.py::test_a_run_whose_prompt_column_is_empty_keeps_its_test_scores",
                  {"prompts' text is missing": "only the prompts' text is missing",
                   "that each row is taken as a candidate": "each row is taken as a candidate prompt"})],
    "test scores are all on rows with an empty `prompt`": [
        Elsewhere("test_steplogs.py::test_test_scores_only_on_rows_without_a_prompt_say_so",
                  {"where its test scores are": "test score(s) are all on rows with an empty prompt"})],
    "rows of one step whose token counts disagree": [
        Elsewhere("test_bad_input.py::test_disagreeing_rows_of_a_step_warn_and_go_on",
                  {"how many steps": r"1 of \d+ steps", "first of them": r"steps \(1\) have rows"})],
    "a brace or angle bracket": [
        Elsewhere("test_shapes.py::test_a_shape_without_inputs_stops_with_one_line",
                  {"folder or file": "a brace or angle bracket in the name of the runs folder"})],
    "a racing log (`prompt_scores.parquet`) with a block column twice": [
        Fails(repeated_racing_block, {"file": r"seed43/\S+/prompt_scores\.parquet:",
                                      "column": r"block column \S+ appears 2 times"})],
    "runs without any racing log": [
        Elsewhere("test_shapes.py::test_a_shape_has_a_paper_with_its_numbers",
                  # the no-racing shape's sections quote no racing saving and point to the empty table
                  {"racing savings are not reported": 'assert "OptimizationRacingSaved" not in texts["optimization"]'})],
    "a router dataset too small": [
        Elsewhere("test_shapes.py::test_a_one_query_router_dataset_warns_once", {"warning": "too few for a held-out"})],
    "two run folders for one seed": [
        Fails(second_run_folder, {"both folders": r"seed43: 2 run folders for one seed: \S+, \S+/zzzz\.",
                                  "how to choose one": r"Say which to take in your config, e\.g\. tokens\.run_choice"})],
    "seed folder not named `seed<digits>`": [
        Fails(lambda w: shutil.copytree(w / CELL / "seed43", w / CELL / "seed_43b"),
              {"folder": r"CAPO/seed_43b: .*seed<digits>"})],
    "a `tokens` filter or `table_optimizer` matching nothing": [
        Fails(None, {"what was found": r"tokens\.datasets lists imdb, which no run .* found: agnews, copa"},
              ("--config", "tokens={'datasets': ['imdb']}")),
        Fails(None, {"what was found": r"table_optimizer is 'OPRO'.*found: CAPO, EvoPromptGA"},
              ("--forcerun", "token_summary", "--config", "tokens={'table_optimizer': 'OPRO'}"))],
    "a router file present as `.jsonl` and `.jsonl.gz`": [
        Fails(plain_router_copy_beside, {"both": r"router_data_coqa_short\.jsonl and \S+router_data_coqa_short\.jsonl"
                                                 r"\.gz: two files for dataset 'coqa_short'"})],
    "router and logits files with different row counts": [
        Fails(edit_jsonl(ROUTER, lambda r: [json.dumps(x) for x in r[:-1]]),
              {"both files": r"coqa_short_answerlogits\.jsonl\.gz has \d+ rows but \S+router_data_coqa_short\.jsonl\.gz",
               "both counts": r"has 1000 rows but \S+ has 999\."})],
    "files that both carry the id field": [
        Fails(logits_with_ids(drop_id), {"file": r"cnli_short_answerlogits\.jsonl\.gz", "line": r"\.gz, line 5:",
                                         "id": r"line 5: no id\."}),
        Fails(logits_with_ids(repeat_id), {"file": r"cnli_short_answerlogits\.jsonl\.gz", "line": r"\.gz, line 10:",
                                           "id": r'id "\S+" appears again \(first at line 4\)'}),
        Fails(logits_with_ids(unknown_id), {"file": r"cnli_short_answerlogits\.jsonl\.gz", "line": r"\.gz, line 10:",
                                            "id": r'id "not-a-query" is not in \S+router_data_cnli_short\.jsonl\.gz',
                                            "of both files": r'; and \S+router_data_cnli_short\.jsonl\.gz, line \d+: '
                                                             r'id "\S+" is not in'})],
    "malformed JSON Lines line": [
        Fails(edit_jsonl(ROUTER, lambda r: [json.dumps(x) for x in r[:6]] + ["{\"id\": 7,"]
                         + [json.dumps(x) for x in r[7:]]),
              {"file": r"router_data_coqa_short\.jsonl\.gz, line", "line": r"\.gz, line 7,",
               "column": r"line 7, column \d+: not valid JSON \(Expecting"})],
    "a key twice in one JSON Lines object": [
        Fails(edit_jsonl(ROUTER, repeated_key), {"file": r"router_data_coqa_short\.jsonl\.gz, line",
                                                 "line": r"\.gz, line 5:", "key": r"key 'perf_slm' appears more than once"})],
    "a router or logits file without one of its columns": [
        Fails(edit_jsonl(ROUTER, dumped(lambda r: [x.pop("perf_llm") for x in r])),
              {"file": r"router_data_coqa_short\.jsonl\.gz:", "missing": r"missing column\(s\) perf_llm;",
               "present columns": r"; it has id, dataset, .*perf_slm"})],
    "NaN or infinite `avg_logp`": [
        Fails(edit_jsonl(LOGITS, set_field(5, "avg_logp", float("nan"))),
              {"file": r"coqa_short_answerlogits\.jsonl\.gz:", "column": r"column avg_logp has 1 value\(s\) that are "
               r"not finite", "first lines affected": r"at line\(s\) 5\."}),
        Fails(edit_jsonl(LOGITS, set_field(9, "avg_entropy_nats", float("inf"))),
              {"file": r"answerlogits\.jsonl\.gz:", "column": r"column avg_entropy_nats has 1 value\(s\) that are "
               r"not finite", "first lines affected": r"line\(s\) 9\."}),
        Fails(edit_jsonl(ROUTER, set_field(3, "perf_slm", None)),
              {"file": r"router_data_coqa_short\.jsonl\.gz:", "column": r"column perf_slm has 1 value\(s\) that are "
               r"not finite", "first lines affected": r"line\(s\) 3\."}),
        Fails(edit_jsonl(LOGITS, set_field(4, "avg_logp", 0.7)),
              {"file": r"coqa_short_answerlogits\.jsonl\.gz:", "column": r"column avg_logp must be a mean "
               r"log-probability: a finite number, 0 or less, but 1 value\(s\) are not \(the first 0\.7\)",
               "first lines affected": r"at line\(s\) 4\."}),
        Fails(edit_jsonl(ROUTER, set_field(8, "slm_confidence", 75)),
              {"file": r"router_data_coqa_short\.jsonl\.gz:", "column": r"column slm_confidence must be a confidence",
               "first lines affected": r"\(the first 75\.0\), at line\(s\) 8\."})],
    "a dataset with only one of its two files": [
        Fails(lambda w: shutil.copy(w / LOGITS, w / LOGITS.replace("coqa_short", "squad")),
              {"file present": r"squad_answerlogits\.jsonl\.gz: dataset 'squad' has this file",
               "one missing": r"but not \S+router_data_squad\.jsonl\(\.gz\)"})],
    "`routing.costs.llm` 0": [
        Fails(None, {"what to change": r"routing\.costs\.llm is 0: .* IBC_base .* is undefined\. Set "
                                       r"routing\.costs\.llm to the large model's cost, above 0\."},
              ("--config", "routing={'costs': {'llm': 0}}"))],
    "P_llm - P_slm at most one query's swing": [
        Elsewhere("test_bad_input.py::test_equal_means_warn_and_publish_a_dash",
                  {"warning": "is not above P_SLM", "a dash with a footnote": r"No IBC baseline for coqa\_short:"})],
    "config `output` naming a folder that holds": [
        Elsewhere("test_publishing.py::test_a_file_the_pipeline_did_not_make_is_refused_at_any_depth",
                  {"folder": "my_paper: the output folder (config output) holds",
                   "first five such entries": "figures/my_figure.png"})],
    "config `output` inside another output folder": [
        Elsewhere("test_publishing.py::test_an_output_folder_inside_another_or_in_the_build_area_is_refused",
                  {"enclosing folder": "is inside results,"})],
    "config `output` that is a mount point": [
        Elsewhere("test_publishing.py::test_a_mount_point_as_output_folder_is_refused_in_one_line",
                  {"mount the volume one folder up": "Mount the volume one folder up"})],
    "config: unknown key, wrong type": [
        Fails(None, {"key": r"config tokens: Additional properties are not allowed \('sedes' was unexpected\)"},
              ("--config", "tokens={'sedes': [1]}")),
        Fails(None, {"key": r"'twenty' is not of type 'number'"}, ("--config", "routing={'costs': {'llm': 'twenty'}}")),
        Fails(None, {"key": r"optimization\.table_budget is 7, which is not among"},
              ("--config", "optimization={'table_budget': 7}")),
        Fails(None, {"key": r"no/such/folder: the runs folder \(config tokens\.runs\) does not exist"},
              ("--config", "tokens={'runs': 'no/such/folder'}")),
        Fails(None, {"key": r"router_data_squad\.jsonl: not found, but config routing\.datasets lists 'squad'"},
              ("--config", "routing={'datasets': ['squad']}")),
        Fails(None, {"key": r"config routing\.logits is null but routing\.router is not: set both to file "
                            r"patterns .* or both to null \(none\)"},
              ("--config", "routing={'logits': null}"))],
    "a router dataset named `all`": [
        Elsewhere("test_discovery.py::test_a_router_dataset_named_all_stops_naming_its_file",
                  {"its logits file": r"r/all_logits\.jsonl: a router dataset named 'all'"})],
    "no run under `tokens.runs`, or no file matching the router patterns": [
        Fails(None, {"what is missing": r"elsewhere/\{dataset\}\.jsonl: no file matches this pattern",
                     "which config key to fix": r"\(config routing\.logits\)"},
              ("--config", "routing={'logits': 'elsewhere/{dataset}.jsonl'}")),
        Elsewhere("test_shapes.py::test_a_shape_without_inputs_stops_with_one_line",
                  {"what is missing": "no runs found", "which config key to fix": r"\(config routing\.logits\)"})],
}


def doc_rows() -> dict[str, str]:
    """docs/bad-input.md's table of bad input: {input cell: "what happens" cell}."""
    text = (REPO / "docs/bad-input.md").read_text()
    table = text[text.index("| input | what happens |"):text.index("## Valid ranges")]
    return dict(re.match(r"^\| (.*?) \| (.*) \|$", line).groups() for line in table.splitlines()[2:]
                if line.startswith("| "))


def promises(what_happens: str) -> list[str]:
    """What a row says its message names, says or lists ("names file, column, data row and
    value": file, column, data row, value)."""
    items = []
    for phrase in re.findall(r"\b(?:names|saying|says|lists) (.*?)(?= \(|[;.:]|$)", what_happens):
        items += [re.sub(r"^the ", "", item.strip()) for item in re.split(r", and |, | and ", phrase) if item.strip()]
    return items


def row_of(key: str, rows) -> str:
    matching = [row for row in rows if key in row]
    assert len(matching) == 1, f"{key!r} is in {len(matching)} rows of docs/bad-input.md's table"
    return matching[0]


def test_every_row_of_the_bad_input_table_has_cases_that_check_each_promise():
    rows = doc_rows()
    assert promises(rows[row_of("token count (or step)", rows)]) == ["file", "column", "data row", "value"]
    covered = {row_of(key, rows): key for key in ROW_CASES}
    assert [row for row in rows if row not in covered] == [], "rows of docs/bad-input.md without a case"
    for row, key in covered.items():
        promised = promises(rows[row])
        for case in ROW_CASES[key]:
            assert [item for item in promised if item not in case.says] == [], f"{key}: a promise without a check"
            assert [item for item in case.says if item not in promised and item not in rows[row]] == [], \
                f"{key}: a check of something the row does not promise"
            if isinstance(case, Elsewhere):
                file, name = case.test.split("::")
                source = (REPO / "tests" / file).read_text()
                assert f"def {name}(" in source, case.test
                assert [text for text in case.says.values() if text not in source] == [], case.test


FAILS = [pytest.param(case, id=f"{key[:48]} {i}") for key, cases in ROW_CASES.items()
         for i, case in enumerate(cases) if isinstance(case, Fails)]


@pytest.mark.parametrize("case", FAILS)
def test_bad_input_stops_with_the_message_its_row_promises(rerun_copy, case):
    if case.mutate:
        case.mutate(rerun_copy)
    output = check_fails_cleanly(rerun_copy, "", *case.args)
    for promise, expected in case.says.items():
        assert re.search(expected, output), f"{promise}: {expected}\n{output[-3000:]}"


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


def test_equal_keep_and_route_costs(rerun_copy):
    (rerun_copy / "free_llm.yaml").write_text("routing:\n  costs:\n    llm: 0\n")
    check_fails_cleanly(rerun_copy, r"routing\.costs\.llm is 0: .* IBC_base .* is undefined",
                        "--configfile", "config.yaml", "free_llm.yaml")
    # the same number through --config: a case of the table's row (nested values arrive as text;
    # the schema makes them numbers)


def test_equal_means_warn_and_publish_a_dash(rerun_copy):
    edit_jsonl(ROUTER, dumped(equal_perf))(rerun_copy)
    # coqa_short alone, with few resamples: its sweep is the job that warns, the table the one that
    # shows the dash, and neither reads an interval
    result = snakemake(rerun_copy, "--cores", "2", "--config",
                       f"routing={dict(FEW_RESAMPLES, datasets=['coqa_short'])!r}")
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
    case = ROW_CASES["token count (or step) that is not a whole number"][0]
    case.mutate(rerun_copy)
    expected = case.says["value"]
    check_fails_cleanly(rerun_copy, expected)
    output = check_fails_cleanly(rerun_copy, expected)
    assert "Nothing to be done" not in output
    assert re.search(r"Error in rule read_runs \(log: logs/results/read_runs/gsm8k\.log\):\n    ERROR: \S+step_results_eval"
                     r"\.csv: column input_tokens_meta_llm", output), output
