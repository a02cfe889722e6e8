"""Rollout history without audit logs, from what the cluster keeps anyway.

- Deployments: their ReplicaSets. Each holds one pod template, its revision
  (``deployment.kubernetes.io/revision``), the revisions it was rolled back to
  (``deployment.kubernetes.io/revision-history``) and the ``kubernetes.io/change-cause``
  of its time. A snapshot of a cluster thus holds up to ``revisionHistoryLimit``
  revisions nobody recorded.
- StatefulSets and DaemonSets: their ControllerRevisions (``revision``, ``data``).
- Argo CD Applications: ``status.history``.

Each revision's pod template is compared with the previous one's
(``image a → b``, ``rollout restart (restartedAt)``, ``env X changed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crumbs.model import Attribution, Obj, StoredRevision, mapping, sequence
from crumbs.timeutil import parse_time
from crumbs.trail.diff import diff
from crumbs.trail.facts import CHANGE_CAUSE, RESTARTED_AT
from crumbs.trail.summary import describe, join

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
HASH_LABELS = ("pod-template-hash", "controller-revision-hash")


@dataclass
class Rollout:
    revision: int
    name: str
    """The ReplicaSet or ControllerRevision holding the template (or the Application's history id)."""
    created: int | None
    template: Obj
    images: list[str]
    replicas: int | None = None
    ready: int | None = None
    current: bool = False
    also: list[int] = field(default_factory=list)
    """Other revision numbers this template had (rollbacks to it)."""
    change_cause: str = ""
    restarted_at: str = ""
    summary: str = ""
    """What changed against the previous revision."""
    deleted: bool = False
    """Seen in the store but gone from the cluster now (revisionHistoryLimit pruned it)."""
    attribution: Attribution | None = None
    source: dict[str, Any] = field(default_factory=dict)
    """Argo CD: the repository, path and revision deployed."""


def _meta(obj: Obj) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def controlled_by(obj: Obj, owner: Obj) -> bool:
    """Whether ``obj`` names ``owner`` as its controller (by uid, or by kind and name when uids are absent)."""
    owner_md = _meta(owner)
    for ref in sequence(_meta(obj).get("ownerReferences")):
        if not isinstance(ref, dict):
            continue
        if owner_md.get("uid") and ref.get("uid") == owner_md.get("uid"):
            return True
        if (
            not owner_md.get("uid")
            and ref.get("kind") == owner.get("kind")
            and ref.get("name") == owner_md.get("name")
        ):
            return True
    return False


def _images(template: Any) -> list[str]:
    spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(spec, dict):
        return []
    return [
        str(c.get("image"))
        for c in sequence(spec.get("containers"))
        if isinstance(c, dict) and c.get("image")
    ]


def _plain_template(template: Any) -> Obj:
    """The template without the hash label its controller adds (so templates compare)."""
    if not isinstance(template, dict):
        return {}
    md = mapping(template.get("metadata"))
    labels = {k: v for k, v in mapping(md.get("labels")).items() if k not in HASH_LABELS}
    return {**template, "metadata": {**md, "labels": labels}}


def _as_workload(template: Obj) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "_"},
        "spec": {"template": template},
    }


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _summarise(ordered: list[Rollout]) -> None:
    previous: Rollout | None = None
    for r in ordered:
        if previous is None:
            r.summary = "first revision"
        else:
            a, b = _as_workload(previous.template), _as_workload(r.template)
            r.summary = (
                join(describe(a, b, diff(a, b)))
                if previous.template != r.template
                else "same template"
            )
        previous = r


def deployment_rollouts(
    deployment: Obj,
    replica_sets: Iterable[tuple[Obj, bool]],
    history: Sequence[StoredRevision] = (),
    summaries: bool = True,
) -> list[Rollout]:
    """Revisions of a Deployment from its ReplicaSets ((object, deleted) pairs), oldest first
    (``summaries``: say what changed between them, the costly part)."""
    current_template = _plain_template(mapping(deployment.get("spec")).get("template"))
    out: list[Rollout] = []
    for rs, deleted in replica_sets:
        if not controlled_by(rs, deployment):
            continue
        ann = _meta(rs).get("annotations") or {}
        revision = _int(ann.get(REVISION))
        if revision is None:
            continue
        template = _plain_template(mapping(rs.get("spec")).get("template"))
        tpl_ann = mapping(mapping(template.get("metadata")).get("annotations"))
        status = mapping(rs.get("status"))
        out.append(
            Rollout(
                revision=revision,
                name=str(_meta(rs).get("name")),
                created=parse_time(str(_meta(rs).get("creationTimestamp") or "")),
                template=template,
                images=_images(template),
                replicas=_int(mapping(rs.get("spec")).get("replicas")),
                ready=_int(status.get("readyReplicas")) or 0,
                current=template == current_template and not deleted,
                also=[
                    n
                    for n in (_int(x) for x in str(ann.get(REVISION_HISTORY) or "").split(","))
                    if n is not None
                ],
                change_cause=str(ann.get(CHANGE_CAUSE) or ""),
                restarted_at=str(tpl_ann.get(RESTARTED_AT) or ""),
                deleted=deleted,
            )
        )
    out.sort(key=lambda r: r.revision)
    if summaries:
        _summarise(out)
    _attribute(out, history, lambda doc: _plain_template(mapping(doc.get("spec")).get("template")))
    return out


def controller_revisions(
    owner: Obj,
    revisions: Iterable[tuple[Obj, bool]],
    history: Sequence[StoredRevision] = (),
    summaries: bool = True,
) -> list[Rollout]:
    """Revisions of a StatefulSet or DaemonSet from its ControllerRevisions, oldest first."""
    status = mapping(owner.get("status"))
    current_names = {status.get("currentRevision"), status.get("updateRevision")} - {None}
    out: list[Rollout] = []
    for cr, deleted in revisions:
        if not controlled_by(cr, owner):
            continue
        data = mapping(cr.get("data"))
        template = _plain_template((mapping(data.get("spec")).get("template")) or {})
        if isinstance(template, dict):
            template.pop("$patch", None)
        name = str(_meta(cr).get("name"))
        out.append(
            Rollout(
                revision=_int(cr.get("revision")) or 0,
                name=name,
                created=parse_time(str(_meta(cr).get("creationTimestamp") or "")),
                template=template,
                images=_images(template),
                current=name in current_names,
                restarted_at=str(
                    mapping(mapping(template.get("metadata")).get("annotations")).get(RESTARTED_AT)
                    or ""
                ),
                deleted=deleted,
            )
        )
    out.sort(key=lambda r: r.revision)
    if out and not current_names:
        out[-1].current = True  # DaemonSets do not name theirs: the newest is
    if summaries:
        _summarise(out)
    _attribute(out, history, lambda doc: _plain_template(mapping(doc.get("spec")).get("template")))
    return out


def application_history(app: Obj) -> list[Rollout]:
    """Argo CD's record of what it deployed (``status.history``), oldest first."""
    status = mapping(app.get("status"))
    out = []
    for item in sequence(status.get("history")):
        if not isinstance(item, dict):
            continue
        source = mapping(item.get("source"))
        if not source and isinstance(item.get("sources"), list) and item["sources"]:
            source = item["sources"][0] if isinstance(item["sources"][0], dict) else {}
        initiated = mapping(item.get("initiatedBy"))
        who = (
            "automated sync" if initiated.get("automated") else str(initiated.get("username") or "")
        )
        out.append(
            Rollout(
                revision=_int(item.get("id")) or 0,
                name=str(item.get("revision") or ""),
                created=parse_time(str(item.get("deployedAt") or "")),
                template={},
                images=[],
                source=dict(source),
                change_cause=who,
            )
        )
    out.sort(key=lambda r: r.revision)
    if out:
        out[-1].current = True
    previous: Rollout | None = None
    for r in out:
        if previous is None:
            r.summary = "first sync"
        else:
            moved = [
                f"{k} {previous.source.get(k)} → {r.source.get(k)}"
                for k in ("repoURL", "path", "chart", "targetRevision")
                if previous.source.get(k) != r.source.get(k)
            ]
            commit = (
                f"revision {previous.name[:12]} → {r.name[:12]}" if previous.name != r.name else ""
            )
            r.summary = "; ".join([*moved, commit] if commit else moved) or "resync"
        previous = r
    return out


def _attribute(
    rollouts: list[Rollout], history: Sequence[StoredRevision], template_of: Any
) -> None:
    """Who changed the workload's template to each revision's, where the store saw it happen."""
    if not history:
        return
    from crumbs.trail.attribution import attribute

    seen: dict[str, Attribution] = {}
    previous: StoredRevision | None = None
    for rev in history:
        tpl = template_of(rev.doc)
        before = (
            template_of(previous.doc) if previous is not None and previous.uid == rev.uid else None
        )
        if tpl != before:
            key = repr(tpl)
            seen.setdefault(
                key,
                attribute(
                    previous.doc if before is not None and previous else None, rev.doc, rev.type
                ),
            )
        previous = rev
    for r in rollouts:
        r.attribution = seen.get(repr(r.template))
