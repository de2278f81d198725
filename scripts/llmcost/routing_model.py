"""The routers and the cost model: standard library only, so the Snakefile checks them at parse time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import InputError

#: router -> (score column, the comparison that keeps the small model's answer)
ROUTERS = {
    "logits": ("avg_logp", ">="),
    "entropy": ("avg_entropy_nats", "<="),
    "confidence": ("slm_confidence", ">="),
}


def threshold_key(router: str) -> str:
    """The field of a sweep record that holds the router's threshold, as in the notebook's JSON."""
    return "threshold" if router == "confidence" else f"{router}_threshold"


@dataclass(frozen=True)
class Costs:
    slm: float
    llm: float
    verifier: float

    @property
    def keep(self) -> float:
        return self.slm + self.verifier

    @property
    def route(self) -> float:
        return self.slm + self.verifier + self.llm


def cost_model(costs: Mapping) -> Costs:
    """The cost model from config ``routing.costs``; equal keep and route costs are an error."""
    model = Costs(float(costs["slm"]), float(costs["llm"]), float(costs["verifier"]))
    if model.route == model.keep:
        raise InputError(
            f"config routing.costs.llm is 0: routing to the large model would cost the same as "
            f"keeping the small model's answer ({model.keep}), so IBC_base (the benefit per extra "
            f"cost of always routing) is undefined: with routing.costs: llm = 0 there is no extra "
            f"cost to divide by, and IBC_base is undefined. Set routing.costs.llm to the large "
            f"model's cost, above 0.")
    return model


def baseline_gap_tolerance(n: int, scale: float) -> float:
    """The smallest P_llm - P_slm that counts as the large model being better: one query's
    full swing, ``scale / n`` (``scale`` = the largest |performance|, 1 for accuracy).

    Below it IBC_base = (P_llm - P_slm) / (cost_route - cost_keep) is noise or
    negative, and delta_IBC (any number divided by the gap) would mislead.
    """
    return scale / n


def no_baseline_reason(p_slm: float, p_llm: float, n: int, scale: float) -> str | None:
    """Why a dataset has no IBC baseline (``None`` when it has one)."""
    tolerance = baseline_gap_tolerance(n, scale)
    if p_llm - p_slm > tolerance:
        return None
    return (f"P_LLM ({p_llm:.6g}) is not above P_SLM ({p_slm:.6g}) by more than one query's "
            f"full swing (scale / n = {scale:g} / {n} = {tolerance:.3g}): the large model is not "
            f"better, so IBC_base and every number divided by P_LLM - P_SLM (delta_IBC, PGR, "
            f"APGR, CPT) are left undefined")
