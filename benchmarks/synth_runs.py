"""A realistic synthetic tree of prompt-optimization runs, for benchmarks.

Same layout and columns as the real CAPO runs: ten population rows per step,
about 70 steps, the prompt text included (~600 KB per run), token columns
repeated on every row of a step; CAPO runs also hold a racing log
(``prompt_scores.parquet``: ~190 prompts x 10 blocks, empty where racing
skipped a block), like the real ones.

    python benchmarks/synth_runs.py OUT --datasets 10 --models 4 --optimizers 1 --seeds 10
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

START = datetime(2025, 3, 25, 22, 0, 0)  # when every synthetic run starts
HEADER = ("step,timestamp,time_elapsed,score,prompt,input_tokens_meta_llm,output_tokens_meta_llm,"
          "input_tokens_downstream_llm,output_tokens_downstream_llm,test_score\n")
OPTIMIZERS = ["CAPO", "EvoPromptGA", "OPRO", "PromptWizard"]
WORDS = ("classify the sentiment of the review answer with one label think step by step "
         "consider the premise and pick the more plausible option output final answer").split()


def prompt_text(rng: np.random.Generator) -> str:
    """A prompt of ~800 characters over a few lines, with a quoted few-shot example."""
    lines = [" ".join(rng.choice(WORDS, size=14)) for _ in range(8)]
    example = 'Input:\nThe ""movie"" was fine.\nOutput:\n<final_answer>positive</final_answer>'
    return "\n".join(lines[:4]) + "\n\n" + example + "\n\n" + "\n".join(lines[4:])


def run_csv(rng: np.random.Generator, steps: int = 70, population: int = 10) -> str:
    prompts = [prompt_text(rng) for _ in range(population * 2)]
    rows = [HEADER]
    elapsed = 0.0
    for step in range(1, steps + 1):
        meta_in, meta_out = rng.integers(800, 3000), rng.integers(300, 1200)
        down_in, down_out = rng.integers(40_000, 120_000), rng.integers(5_000, 40_000)
        elapsed += float(rng.uniform(20, 90))
        # time_elapsed is cumulative here (seconds since the run started), so each step's timestamp,
        # written as it ends, is the start plus it: a log whose two columns agree (llmcost/elapsed.py)
        stamp = (START + timedelta(seconds=round(elapsed, 6))).strftime("%Y-%m-%d %H:%M:%S.%f")
        for i in range(population):
            score, test = rng.uniform(0.5, 1.0), rng.uniform(0.5, 1.0)
            prompt = prompts[(step + i) % len(prompts)]
            rows.append(f'{step},{stamp},{elapsed:.6f},{score:.6f},"{prompt}",{meta_in},{meta_out},'
                        f"{down_in},{down_out},{test:.3f}\n")
    return "".join(rows)


def run_folder(root: Path, dataset: str, model: str, optimizer: str, seed: int) -> Path:
    experiment = f"benchmark_experiment_{dataset}_{model}_{optimizer}_{seed}"
    return root / dataset / model / optimizer / f"seed{seed}" / experiment / f"r{seed:04d}"


def write_run(root: Path, dataset: str, model: str, optimizer: str, seed: int,
              rng: np.random.Generator) -> Path:
    folder = run_folder(root, dataset, model, optimizer, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "step_results_eval.csv").write_text(run_csv(rng))
    if optimizer == "CAPO":
        write_racing_log(folder / "prompt_scores.parquet", rng)
    (folder / "args.json").write_text(json.dumps({"dataset": dataset, "model": model,
                                                  "optimizer": optimizer, "seed": seed}))
    return folder


def write_racing_log(path: Path, rng: np.random.Generator, prompts: int = 190, blocks: int = 10) -> None:
    """Prompts x evaluation blocks of scores; a prompt raced out after k blocks has k scores."""
    import pandas as pd

    scores = rng.uniform(0.4, 1.0, (prompts, blocks))
    evaluated = rng.integers(1, blocks + 1, prompts)
    scores[np.arange(blocks) >= evaluated[:, None]] = np.nan
    frame = pd.DataFrame(scores, columns=[str(b) for b in range(blocks)],
                         index=[f"prompt {i}" for i in range(prompts)])
    frame.to_parquet(path)


def generate(root: Path, datasets: int, models: int, optimizers: int, seeds: int,
             seed: int = 0) -> int:
    """Write D x M x O x S runs below ``root``; returns the number of runs."""
    rng = np.random.default_rng(seed)
    count = 0
    for d in range(datasets):
        for m in range(models):
            for optimizer in OPTIMIZERS[:optimizers]:
                for s in range(seeds):
                    write_run(root, f"dataset{d:02d}", f"model{m}", optimizer, 42 + s, rng)
                    count += 1
    return count


def generate_linked(root: Path, datasets: int, models: int, optimizers: int, seeds: int,
                    distinct: int = 10, reuse: Path | None = None) -> int:
    """Write D x M x O x S runs below ``root`` whose files repeat after ``distinct`` seeds: seed
    42 + k of a cell holds the bytes of seed 42 + k % distinct, as hard links (the same reading
    and parsing per run, a tenth of the disk at 50 seeds). Each distinct run comes from its own
    random stream (``rng_of``), so a tree of fewer seeds holds the same runs as a larger one;
    ``reuse``: a tree of that family whose files are linked rather than written again."""
    count = 0
    for d in range(datasets):
        for m in range(models):
            for o, optimizer in enumerate(OPTIMIZERS[:optimizers]):
                for s in range(seeds):
                    names = (f"dataset{d:02d}", f"model{m}", optimizer)
                    first = 42 + s % distinct
                    source = run_folder(reuse, *names, first) if reuse else None
                    if source is None or not (source / "args.json").is_file():
                        source = run_folder(root, *names, first)
                        if not (source / "args.json").is_file():
                            write_run(root, *names, first, rng_of(d, m, o, s % distinct))
                    target = run_folder(root, *names, 42 + s)
                    if target != source:
                        target.mkdir(parents=True, exist_ok=True)
                        for file in source.iterdir():
                            if file.name != "args.json" and not (target / file.name).exists():
                                os.link(file, target / file.name)
                        (target / "args.json").write_text(json.dumps(
                            {"dataset": names[0], "model": names[1], "optimizer": optimizer, "seed": 42 + s}))
                    count += 1
    return count


def rng_of(*indices: int) -> np.random.Generator:
    """The random stream of one synthetic run, from its cell's and seed's indices."""
    return np.random.default_rng([7, *indices])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    for name, default in (("datasets", 10), ("models", 4), ("optimizers", 1), ("seeds", 10)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    n = generate(args.out, args.datasets, args.models, args.optimizers, args.seeds)
    print(f"{n} runs written to {args.out}")


if __name__ == "__main__":
    main()
