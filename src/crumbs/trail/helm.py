"""Helm release history: what each revision changed (chart, app version, values, resources)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsonpatch

from crumbs.model import StoredRelease, mapping, sequence
from crumbs.trail.paths import display_path, get_pointer
from crumbs.trail.summary import join
from crumbs.trail.values import fmt


@dataclass
class ReleaseStep:
    release: StoredRelease
    patch: list[dict[str, Any]]
    """RFC 6902 from the previous revision's user values to these."""
    summary: str
    resources: list[str]
    """``Kind/name`` of what the revision's manifest renders."""


def resources(release: StoredRelease) -> list[str]:
    out = []
    for doc in sequence(release.payload.get("manifest")):
        if isinstance(doc, dict):
            md = mapping(doc.get("metadata"))
            out.append(f"{doc.get('kind')}/{md.get('name')}")
    return out


def steps(revisions: Sequence[StoredRelease]) -> list[ReleaseStep]:
    """One release's revisions (sorted by revision), each against the one before."""
    out: list[ReleaseStep] = []
    previous: StoredRelease | None = None
    for rel in sorted(revisions, key=lambda r: r.revision):
        res = resources(rel)
        if previous is None:
            out.append(
                ReleaseStep(
                    rel,
                    [],
                    f"installed {rel.chart}-{rel.chart_version} (app {rel.app_version or '?'})",
                    res,
                )
            )
        else:
            old_values = previous.payload.get("values") or {}
            new_values = rel.payload.get("values") or {}
            patch = list(jsonpatch.make_patch(old_values, new_values).patch)
            facts: list[str] = []
            if (previous.chart, previous.chart_version) != (rel.chart, rel.chart_version):
                facts.append(
                    f"chart {previous.chart}-{previous.chart_version} → {rel.chart}-{rel.chart_version}"
                )
            if previous.app_version != rel.app_version:
                facts.append(f"app {previous.app_version or '?'} → {rel.app_version or '?'}")
            facts.extend(_value_fact(op, old_values, new_values) for op in patch)
            before = set(resources(previous))
            facts.extend(f"+{r}" for r in res if r not in before)
            facts.extend(f"-{r}" for r in sorted(before - set(res)))
            out.append(
                ReleaseStep(rel, patch, join(facts) if facts else "same chart and values", res)
            )
        previous = rel
    return out


def _value_fact(op: dict[str, Any], old: Any, new: Any) -> str:
    if op["op"] == "remove":
        return f"values -{display_path(op['path'], old)}"
    where = display_path(op["path"], new)
    if op["op"] == "replace":
        return f"values {where} {fmt(get_pointer(old, op['path']))} → {fmt(op.get('value'))}"
    return f"values +{where}={fmt(op.get('value'))}"
