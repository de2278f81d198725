"""Synthetic router data for benchmarks: a logits file and a router file of n queries.

Scores follow the bundled real data's shapes: avg_logp is minus a gamma
variable (a long tail of uncertain answers), avg_entropy_nats grows with the
uncertainty, slm_confidence takes 0, 0.25, 0.5 and 0.75, and the small model's
performance falls as its uncertainty rises (token-F1-like: many 0s and 1s,
the rest in between); the large model is better on average.

    python benchmarks/synth_router.py OUT_DIR --rows 100000 [--name synth]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd


def queries(n: int, seed: int = 0) -> pd.DataFrame:
    """The merged per-query columns the sweep uses, for ``n`` queries."""
    rng = np.random.default_rng(seed)
    uncertainty = rng.gamma(1.2, 0.25, n)
    avg_logp = -uncertainty
    avg_entropy = np.clip(1.6 * uncertainty + rng.normal(0, 0.08, n), 0, None)
    p_correct_slm = 1 / (1 + np.exp(4 * (uncertainty - 0.35)))
    perf_slm = f1_like(rng, p_correct_slm)
    perf_llm = f1_like(rng, np.clip(p_correct_slm + 0.2, 0, 0.95))
    confidence = np.clip(np.round(4 * p_correct_slm + rng.normal(0, 0.7, n)), 0, 3) / 4
    return pd.DataFrame({"avg_logp": avg_logp, "avg_entropy_nats": avg_entropy,
                         "slm_confidence": confidence, "perf_slm": perf_slm, "perf_llm": perf_llm})


def f1_like(rng: np.random.Generator, p_correct: np.ndarray) -> np.ndarray:
    """1 with probability p_correct; otherwise 0 or a partial overlap in (0, 1)."""
    correct = rng.random(len(p_correct)) < p_correct
    partial = rng.random(len(p_correct)) < 0.4
    return np.where(correct, 1.0, np.where(partial, rng.uniform(0.05, 0.95, len(p_correct)), 0.0))


def write_files(folder: Path, n: int, name: str = "synth", seed: int = 0) -> tuple[Path, Path]:
    """``{name}_answerlogits.jsonl.gz`` and ``router_data_{name}.jsonl.gz`` in ``folder``."""
    frame = queries(n, seed)
    folder.mkdir(parents=True, exist_ok=True)
    logits, router = folder / f"{name}_answerlogits.jsonl.gz", folder / f"router_data_{name}.jsonl.gz"
    with gzip.open(logits, "wt", encoding="utf-8") as handle:
        for row in frame.itertuples(index=False):
            handle.write(json.dumps({"generated_text": "an answer", "avg_logp": row.avg_logp,
                                     "avg_entropy_nats": row.avg_entropy_nats}) + "\n")
    with gzip.open(router, "wt", encoding="utf-8") as handle:
        for i, row in enumerate(frame.itertuples(index=False)):
            handle.write(json.dumps({"id": str(i), "gold_output": "gold", "slm_pred": "an answer",
                                     "llm_pred": "another answer", "slm_confidence": row.slm_confidence,
                                     "perf_slm": row.perf_slm, "perf_llm": row.perf_llm}) + "\n")
    return logits, router


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--name", default="synth")
    args = parser.parse_args()
    for path in write_files(args.out, args.rows, args.name):
        print(path)


if __name__ == "__main__":
    main()
