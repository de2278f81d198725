"""The reference notebook's router, row by row: the oracle for tests and the benchmark's baseline.

A direct port of ``apply_logits_entropy_router`` (one ``iterrows`` pass per
threshold) generalised to the confidence router, returning the notebook's
summary fields plus IBC and delta_IBC computed as the notebook does. The
pipeline never calls it; ``llmcost.routing.sweep`` computes the same numbers
vectorised.
"""

from __future__ import annotations

import pandas as pd

from .routing_model import ROUTERS


def sweep_row_loop(frame: pd.DataFrame, router: str, thresholds, keep_cost: float,
                   route_cost: float) -> list[dict]:
    column, keep_when = ROUTERS[router]
    stats = []
    for threshold in thresholds:
        rows, lm1_count, lm2_count = [], 0, 0
        for _, row in frame.iterrows():
            score = float(row[column])
            keep = score >= threshold if keep_when == ">=" else score <= threshold
            if keep:
                lm1_count += 1
            else:
                lm2_count += 1
            rows.append({"perf_chosen": row["perf_slm"] if keep else row["perf_llm"],
                         "perf_slm": row["perf_slm"], "perf_llm": row["perf_llm"],
                         "cost": keep_cost if keep else route_cost})
        results = pd.DataFrame(rows)
        total = len(results)
        stats.append({"threshold": threshold, "total": total, "lm1_count": lm1_count,
                      "lm2_count": lm2_count, "lm1_ratio": lm1_count / total,
                      "lm2_ratio": lm2_count / total, "avg_perf": results["perf_chosen"].mean(),
                      "avg_perf_slm": results["perf_slm"].mean(),
                      "avg_perf_llm": results["perf_llm"].mean(), "avg_cost": results["cost"].mean(),
                      "total_cost": results["cost"].sum()})
    table = pd.DataFrame(stats)
    p_slm, p_llm = table["avg_perf_slm"].iloc[0], table["avg_perf_llm"].iloc[0]
    ibc_base = (p_llm - p_slm) / (route_cost - keep_cost)
    table["IBC"] = (table["avg_perf"] - p_slm) / (table["avg_cost"] - keep_cost)
    table["delta_IBC"] = (table["IBC"] - ibc_base) / ibc_base * 100
    return table.to_dict(orient="records")
