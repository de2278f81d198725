"""The routers and the cost model: standard library only, so the Snakefile checks them at parse time.

Two cost models price a router's operating point (routed share s):

- **the notebook's**: keeping the small model's answer costs slm + verifier,
  routing it slm + verifier + llm, for every router; the verifier is on both
  ends of the random-mixing line, so it cancels from delta_IBC;
- **AutoMix's** (``automix/main.py``, ``Automix.compute_performance_cost``):
  a query costs slm + v_r + s llm, where v_r, the **verifier charge**, is the
  verifier's cost for a router that asks the verifier on every query
  (``routing.verifier_routers``, default the self-verification router) and 0
  for one that reads the small model's own output (log-probability, entropy)
  and for the oracle. Its baseline is the small model alone (cost slm) against
  the large model alone (cost llm).
"""

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


#: The routers that pay the verifier on every query: config ``routing.verifier_routers``'s default.
VERIFIER_ROUTERS = ("confidence",)


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


#: config ``routing.costs``'s defaults, for callers without a config (tests, benchmarks)
DEFAULT_COSTS = Costs(slm=1.0, llm=20.0, verifier=4.0)


def verifier_charge(router: str, costs: Costs, verifier_routers=VERIFIER_ROUTERS) -> float:
    """v_r: what ``router`` pays the verifier per query in AutoMix's cost model (0 for the oracle)."""
    unknown = set(verifier_routers) - set(ROUTERS)
    if unknown:
        raise ValueError(f"unknown routers {sorted(unknown)} in verifier_routers (routers: {', '.join(ROUTERS)})")
    return costs.verifier if router in verifier_routers else 0.0


def no_automix_baseline_reason(costs: Costs) -> str | None:
    """Why AutoMix's baseline slope (P_llm - P_slm) / (llm - slm) is undefined for these costs
    (``None`` when it is defined)."""
    if costs.llm > costs.slm:
        return None
    return (f"routing.costs.llm ({costs.llm:g}) is not above routing.costs.slm ({costs.slm:g}): AutoMix's "
            f"baseline, the slope (P_LLM - P_SLM) / (llm - slm) from the small model alone to the large "
            f"model alone, is undefined, and so are delta_IBC_automix and the verifier break-even cost")


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
