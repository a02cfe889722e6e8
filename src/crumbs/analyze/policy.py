"""PodDisruptionBudgets that match no pods, or allow no disruption (drains will hang)."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import finding, spec, status
from crumbs.analyze.registry import analyzer
from crumbs.analyze.selectors import from_selector
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity


@analyzer(
    "policy",
    ("PodDisruptionBudget",),
    "Disruption budgets that match no pods or block every eviction",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for pdb in view.objects("PodDisruptionBudget"):
        selector = from_selector(spec(pdb.doc).get("selector"))
        if (
            selector is not None
            and view.objects("Pod")
            and not view.select("Pod", pdb.key.namespace, selector)
        ):
            yield finding(
                "policy",
                "selects-nothing",
                Severity.INFO,
                pdb,
                f"PodDisruptionBudget {pdb.key.name}: its selector matches no pods",
            )
            continue
        st = status(pdb.doc)
        if (
            st.get("disruptionsAllowed") == 0
            and isinstance(st.get("expectedPods"), int)
            and st["expectedPods"] > 0
        ):
            healthy, desired = st.get("currentHealthy", 0), st.get("desiredHealthy", 0)
            yield finding("policy", "blocks-evictions", Severity.WARNING, pdb, f"PodDisruptionBudget {pdb.key.name}: allows no disruption",
                          detail=f"{healthy} healthy, {desired} required: node drains will wait", remediation="scale the workload up or loosen minAvailable/maxUnavailable")  # fmt: skip
