"""State transitions of other objects, as causes: a Node going NotReady or under pressure, a
volume failing, endpoints going empty, a quota used up, a namespace terminating.

Nobody's change, but the reason pods get evicted, stay Pending or lose their
traffic. Two sources:

- a pair of revisions whose status moved into a bad state (:func:`between`);
- for data without history (a snapshot), a bad state the object holds now, dated by
  its condition's ``lastTransitionTime`` (:func:`dated`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crumbs.analyze.base import status, time_of
from crumbs.analyze.quantity import parse_quantity
from crumbs.model import mapping, sequence

NODE_PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


@dataclass(frozen=True)
class Transition:
    summary: str
    """``Node node-a: DiskPressure (KubeletHasDiskPressure)``."""
    path: str
    """Where it shows: ``status.conditions[DiskPressure]``."""
    weight: float
    reporter: str
    """Who reports such a state: ``kubelet``, ``kube-controller-manager``."""
    at: int | None = None
    """When it happened, if the object says (a condition's transition)."""


def bad_states(doc: dict[str, Any]) -> list[Transition]:
    """The bad states an object is in now (empty: none, or a kind without such states)."""
    kind, name = doc.get("kind"), mapping(doc.get("metadata")).get("name")
    st = status(doc)
    out: list[Transition] = []
    if kind == "Node":
        for c in sequence(st.get("conditions")):
            cond = mapping(c)
            ctype, value = str(cond.get("type") or ""), cond.get("status")
            reason = f" ({cond['reason']})" if cond.get("reason") else ""
            when = time_of(cond.get("lastTransitionTime"))
            if ctype == "Ready" and value in ("False", "Unknown"):
                word = "NotReady" if value == "False" else "not reporting (Ready Unknown)"
                out.append(
                    Transition(
                        f"Node {name}: {word}{reason}",
                        "status.conditions[Ready]",
                        1.0,
                        # Unknown: the kubelet went silent, and the node controller says so
                        "kubelet" if value == "False" else "node-lifecycle-controller",
                        when,
                    )
                )
            elif ctype in NODE_PRESSURE and value == "True":
                out.append(
                    Transition(
                        f"Node {name}: {ctype}{reason}",
                        f"status.conditions[{ctype}]",
                        1.0,
                        "kubelet",
                        when,
                    )
                )
    elif kind == "PersistentVolume" and st.get("phase") in ("Failed", "Released"):
        out.append(Transition(f"PersistentVolume {name}: {st['phase']}" + (f" ({st['message']})" if st.get("message") else ""),
                              "status.phase", 1.0, "persistentvolume-controller"))  # fmt: skip
    elif kind == "PersistentVolumeClaim" and st.get("phase") == "Lost":
        out.append(
            Transition(
                f"PersistentVolumeClaim {name}: Lost (its volume is gone)",
                "status.phase",
                1.0,
                "persistentvolume-controller",
            )
        )
    elif kind == "EndpointSlice" and not _ready_endpoints(doc):
        out.append(
            Transition(
                f"EndpointSlice {name}: no ready endpoints",
                "endpoints",
                0.8,
                "endpointslice-controller",
            )
        )
    elif kind == "ResourceQuota":
        used = [r for r in _exhausted(st)]
        if used:
            # 0.8: usage reaching a limit someone lowered is the lowering's consequence
            out.append(
                Transition(
                    f"ResourceQuota {name}: {', '.join(used)} used up",
                    "status.used",
                    0.8,
                    "resourcequota-controller",
                )
            )
    elif kind == "Namespace" and st.get("phase") == "Terminating":
        out.append(
            Transition(
                f"Namespace {name}: Terminating", "status.phase", 1.0, "namespace-controller"
            )
        )
    return out


def between(previous: dict[str, Any], doc: dict[str, Any]) -> list[Transition]:
    """The bad states ``doc`` is in that ``previous`` was not."""
    before = {t.summary for t in bad_states(previous)}
    return [t for t in bad_states(doc) if t.summary not in before]


def dated(doc: dict[str, Any]) -> list[Transition]:
    """The bad states an object holds now that say when they began."""
    return [t for t in bad_states(doc) if t.at is not None]


def _ready_endpoints(doc: dict[str, Any]) -> int:
    return sum(
        len(sequence(mapping(ep).get("addresses")))
        for ep in sequence(doc.get("endpoints"))
        if mapping(mapping(ep).get("conditions")).get("ready", True) is not False
    )


def _exhausted(st: dict[str, Any]) -> list[str]:
    hard, used = mapping(st.get("hard")), mapping(st.get("used"))
    out = []
    for resource, limit in hard.items():
        h, u = parse_quantity(limit), parse_quantity(used.get(resource))
        if h is not None and u is not None and u >= h:
            out.append(f"{resource} {used.get(resource)} of {limit}")
    return out
