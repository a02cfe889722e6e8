"""``releases``: Helm releases (the latest revision of each), or one release's revisions with
what each changed in its values and what it rendered."""

from __future__ import annotations

from dataclasses import dataclass, field

from crumbs import contract
from crumbs.app.query import parse_time_option, store_clock
from crumbs.errors import NotFoundError, UsageError
from crumbs.model import StoredRelease
from crumbs.store import Store
from crumbs.timeutil import format_time
from crumbs.trail.helm import ReleaseStep, steps


def release_ref(rel: StoredRelease) -> contract.ReleaseRef:
    return {
        "cluster": rel.cluster,
        "namespace": rel.namespace,
        "name": rel.name,
        "revision": rel.revision,
        "status": rel.status,
        "chart": rel.chart,
        "chartVersion": rel.chart_version,
        "appVersion": rel.app_version,
        "updated": format_time(rel.at),
        "firstDeployed": format_time(rel.first_deployed) if rel.first_deployed else None,
        "description": rel.description,
        "storage": rel.storage,
    }


@dataclass
class Releases:
    name: str | None
    """None: every release, ``latest``; else one release's ``history``."""
    latest: list[StoredRelease] = field(default_factory=list)
    namespace: str = ""
    history: list[ReleaseStep] = field(default_factory=list)

    def json(self) -> contract.Releases:
        if self.name is None:
            return {"releases": [release_ref(r) for r in self.latest]}
        return {
            "release": {"namespace": self.namespace, "name": self.name},
            "revisions": [
                contract.ReleaseRevision(**release_ref(s.release), summary=s.summary, patch=s.patch,
                                         values=s.release.payload.get("values"), resources=s.resources)
                for s in self.history
            ],
        }  # fmt: skip


def releases(store: Store, name: str | None = None, namespace: str | None = None,
             at: str | None = None, cluster: str | None = None) -> Releases:  # fmt: skip
    when = parse_time_option(at, "--at", store_clock(store)) if at else None
    found = store.queries.releases(namespace=namespace, name=name, cluster=cluster, at=when)
    if name is None:
        latest: dict[tuple[str, str, str], StoredRelease] = {}
        for rel in found:
            latest[(rel.cluster, rel.namespace, rel.name)] = rel
        return Releases(None, list(latest.values()))
    if not found:
        raise NotFoundError(f"Helm release {name}: not in the store")
    namespaces = sorted({r.namespace for r in found})
    if len(namespaces) > 1:
        raise UsageError(f"Helm release {name} is in several namespaces ({', '.join(namespaces)}): give -n")  # fmt: skip
    return Releases(name, namespace=namespaces[0], history=steps(found))
