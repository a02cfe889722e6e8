"""Recognisers of changes people name: images, replicas, selectors, data keys, env, labels, status.

Each takes the old and new objects (noise removed) and a ``claim`` callback
for the JSON Pointer prefixes it has explained, and returns short facts.
Whatever no recogniser claims is described generically by :mod:`summary`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crumbs.model import Obj, mapping, sequence
from crumbs.redaction import secret_key
from crumbs.trail.values import fmt, image_change, labels

Claim = Callable[[str], None]
Fact = tuple[int, str]
"""(importance, text): 0 is what people look for first (images), 9 last."""

IMAGE, SCALE, ROLLOUT, DATA, ENV, CONTAINER, LABEL, STATUS = 0, 1, 1, 2, 3, 4, 5, 6

POD_SPEC_PATHS: tuple[tuple[str, ...], ...] = (
    ("spec", "jobTemplate", "spec", "template", "spec"),
    ("spec", "template", "spec"),
    ("template", "spec"),
    ("spec",),
)
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION = "deployment.kubernetes.io/revision"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(p)
    return doc


def pod_spec_path(doc: Obj) -> tuple[str, ...] | None:
    for path in POD_SPEC_PATHS:
        spec = _get(doc, path)
        if isinstance(spec, dict) and isinstance(spec.get("containers"), list):
            return path
    return None


def _by_name(items: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(i.get("name")): i for i in items if isinstance(i, dict)}


def _pointer(path: tuple[str, ...]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)


def containers(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    path = pod_spec_path(new) or pod_spec_path(old)
    if path is None:
        return []
    facts: list[Fact] = []
    for field in ("initContainers", "containers"):
        claim(_pointer((*path, field)))
        before, after = _by_name(_get(old, (*path, field))), _by_name(_get(new, (*path, field)))
        for name in before.keys() - after.keys():
            facts.append((CONTAINER, f"container {name} removed"))
        for name, c in after.items():
            if name not in before:
                facts.append((CONTAINER, f"container {name} added ({fmt(c.get('image'))})"))
                continue
            facts.extend(_container(name, before[name], c))
    return facts


def _container(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Fact]:
    facts: list[Fact] = []
    if old.get("image") != new.get("image"):
        facts.append((IMAGE, "image " + image_change(str(old.get("image")), str(new.get("image")))))
    facts.extend(_env(_by_name(old.get("env")), _by_name(new.get("env"))))
    other = sorted(
        k
        for k in old.keys() | new.keys()
        if k not in ("image", "env", "name") and old.get(k) != new.get(k)
    )
    if other:
        facts.append((CONTAINER, f"container {name}: {', '.join(other)} changed"))
    return facts


def _env(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[Fact]:
    facts: list[Fact] = []
    for name in sorted(before.keys() & after.keys()):
        a, b = before[name], after[name]
        if a == b:
            continue
        if "value" in a and "value" in b and secret_key(name):
            facts.append((ENV, f"env {name} changed (a secret-looking value: not shown)"))
        elif "value" in a and "value" in b:
            facts.append((ENV, f"env {name} {fmt(a['value'], 24)} → {fmt(b['value'], 24)}"))
        else:
            facts.append((ENV, f"env {name} source changed"))
    for name in sorted(before.keys() - after.keys()):
        facts.append((ENV + 1, f"env -{name}"))
    for name in sorted(after.keys() - before.keys()):
        v = after[name]
        facts.append(
            (
                ENV + 1,
                f"env +{name}={fmt(v['value'], 24)}"
                if "value" in v and not secret_key(name)
                else f"env +{name}" + (" (from a reference)" if "value" not in v else ""),
            )
        )
    return facts


def scalars(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    facts: list[Fact] = []
    for path, label in (
        (("spec", "replicas"), "replicas"),
        (("spec", "schedule"), "schedule"),
        (("spec", "timeZone"), "timeZone"),
    ):
        a, b = _get(old, path), _get(new, path)
        if a != b:
            claim(_pointer(path))
            facts.append((SCALE, f"{label} {fmt(a)} → {fmt(b)}"))
    a, b = _get(old, ("spec", "suspend")), _get(new, ("spec", "suspend"))
    if bool(a) != bool(b):
        claim("/spec/suspend")
        facts.append((SCALE, "suspended" if b else "resumed"))
    return facts


def selector(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    for path in (("spec", "selector", "matchLabels"), ("spec", "selector")):
        a, b = _get(old, path), _get(new, path)
        if (isinstance(a, dict) or isinstance(b, dict)) and a != b:
            if path[-1] == "selector" and (
                "matchLabels" in (a or {}) or "matchLabels" in (b or {})
            ):
                continue
            claim(_pointer(path))
            return [(SCALE, f"selector {labels(a)} → {labels(b)}")]
    return []


def data_keys(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    facts: list[Fact] = []
    for field in ("data", "binaryData", "stringData"):
        a, b = old.get(field), new.get(field)
        if a == b:
            continue
        claim("/" + field)
        a = a if isinstance(a, dict) else {}
        b = b if isinstance(b, dict) else {}
        for k in sorted(a.keys() - b.keys()):
            facts.append((DATA, f"{field}.{k} removed"))
        for k in sorted(b.keys() - a.keys()):
            facts.append((DATA, f"{field}.{k} added"))
        for k in sorted(a.keys() & b.keys()):
            if a[k] != b[k]:
                facts.append((DATA, f"{field}.{k} changed"))
    return facts


def metadata(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    facts: list[Fact] = []
    places: list[tuple[tuple[str, ...], str]] = [(("metadata",), "")]
    tpl = pod_spec_path(new)
    if tpl and len(tpl) > 1:
        places.append(((*tpl[:-1], "metadata"), "template "))
    for base, prefix in places:
        for field, word in (("labels", "label"), ("annotations", "annotation")):
            path = (*base, field)
            a, b = _get(old, path) or {}, _get(new, path) or {}
            if a == b or not isinstance(a, dict) or not isinstance(b, dict):
                continue
            claim(_pointer(path))
            for k in sorted(a.keys() | b.keys()):
                if a.get(k) == b.get(k):
                    continue
                facts.extend(_annotation(prefix, word, k, a.get(k), b.get(k)))
    return facts


def _annotation(prefix: str, word: str, key: str, a: str | None, b: str | None) -> list[Fact]:
    if key == RESTARTED_AT and b is not None:
        return [(ROLLOUT, "rollout restart (restartedAt)")]
    if key == LAST_APPLIED:
        return []  # an echo of the apply that made the other changes
    if key == CHANGE_CAUSE and b is not None:
        return [(ROLLOUT, f"change-cause: {fmt(b, 60)}")]
    if key == REVISION:
        return [
            (ROLLOUT, f"revision {fmt(a)} → {fmt(b)}" if a is not None else f"revision {fmt(b)}")
        ]
    if a is None:
        return [(LABEL, f"{prefix}{word} +{key}={fmt(b, 32)}")]
    if b is None:
        return [(LABEL, f"{prefix}{word} -{key}")]
    return [(LABEL, f"{prefix}{word} {key} {fmt(a, 32)} → {fmt(b, 32)}")]


_COUNTS = (
    "replicas",
    "readyReplicas",
    "availableReplicas",
    "updatedReplicas",
    "unavailableReplicas",
    "currentNumberScheduled",
    "numberReady",
    "numberUnavailable",
    "desiredNumberScheduled",
    "active",
    "succeeded",
    "failed",
)


def status(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    a, b = old.get("status"), new.get("status")
    if not isinstance(a, dict) or not isinstance(b, dict) or a == b:
        return []
    facts: list[str] = []
    if a.get("phase") != b.get("phase"):
        claim("/status/phase")
        facts.append(f"phase {fmt(a.get('phase'))} → {fmt(b.get('phase'))}")
    conds_a = {str(c.get("type")): c for c in sequence(a.get("conditions")) if isinstance(c, dict)}
    conds_b = {str(c.get("type")): c for c in sequence(b.get("conditions")) if isinstance(c, dict)}
    if conds_a != conds_b:
        claim("/status/conditions")
        for t, c in conds_b.items():
            old = conds_a.get(t, {})
            before = old.get("status")
            if before != c.get("status"):
                reason = f" ({c['reason']})" if c.get("reason") else ""
                was = f"{fmt(before)} → " if before is not None else ""
                facts.append(f"{t} {was}{fmt(c.get('status'))}{reason}")
            elif old != c:
                what = (
                    "message"
                    if old.get("message") != c.get("message")
                    else "reason"
                    if old.get("reason") != c.get("reason")
                    else "times"
                )
                facts.append(f"{t} condition {what} updated")
    for field in _COUNTS:
        if a.get(field) != b.get(field) and not isinstance(b.get(field), (list, dict)):
            claim(f"/status/{field}")
            facts.append(f"{field} {fmt(a.get(field, 0))} → {fmt(b.get(field, 0))}")
    for field in ("containerStatuses", "initContainerStatuses"):
        if a.get(field) != b.get(field):
            claim(f"/status/{field}")
            facts.extend(_container_statuses(_by_name(a.get(field)), _by_name(b.get(field))))
    return [(STATUS, f) for f in facts]


def _container_statuses(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[str]:
    facts = []
    for name, cs in after.items():
        old = before.get(name, {})
        if cs.get("restartCount", 0) != old.get("restartCount", 0):
            facts.append(
                f"{name} restarts {old.get('restartCount', 0)} → {cs.get('restartCount', 0)}"
            )
        state, old_state = cs.get("state") or {}, old.get("state") or {}
        if state != old_state and isinstance(state, dict):
            for phase, detail in state.items():
                detail = detail if isinstance(detail, dict) else {}
                reason = detail.get("reason")
                if phase == "terminated":
                    code = detail.get("exitCode")
                    message = f": {fmt(detail['message'], 72)}" if detail.get("message") else ""
                    facts.append(f"{name} terminated: {reason or 'exit'} (exit {code}){message}")
                elif phase == "waiting":
                    facts.append(f"{name} waiting: {reason or 'unknown'}")
                elif phase == "running" and "running" not in old_state:
                    facts.append(f"{name} running")
    return facts


def endpoints(old: Obj, new: Obj, claim: Claim) -> list[Fact]:
    """EndpointSlices (``endpoints``) and Endpoints (``subsets``): ready addresses before and after."""
    if new.get("kind") == "EndpointSlice":
        claim("/endpoints")
        before, after = _ready_slice(old), _ready_slice(new)
    elif new.get("kind") == "Endpoints":
        claim("/subsets")
        before, after = _ready_subsets(old), _ready_subsets(new)
    else:
        return []
    if before == after:
        return []
    gone, added = sorted(before - after), sorted(after - before)
    detail = ", ".join([*(f"-{a}" for a in gone[:3]), *(f"+{a}" for a in added[:3])])
    return [(SCALE, f"ready endpoints {len(before)} → {len(after)} ({detail})")]


def _ready_slice(doc: Obj) -> set[str]:
    out: set[str] = set()
    for ep in sequence(doc.get("endpoints")):
        if isinstance(ep, dict) and mapping(ep.get("conditions")).get("ready", True) is not False:
            out.update(a for a in sequence(ep.get("addresses")) if isinstance(a, str))
    return out


def _ready_subsets(doc: Obj) -> set[str]:
    out: set[str] = set()
    for subset in sequence(doc.get("subsets")):
        if isinstance(subset, dict):
            out.update(
                a.get("ip", "") for a in sequence(subset.get("addresses")) if isinstance(a, dict)
            )
    return out


RECOGNISERS: tuple[Callable[[Obj, Obj, Claim], list[Fact]], ...] = (
    containers,
    endpoints,
    scalars,
    selector,
    data_keys,
    metadata,
    status,
)
