"""Which resources a cluster serves that can be listed and watched, CRDs included.

Discovery reads ``/api``, ``/api/v1``, ``/apis`` and each group's preferred
version, keeps the resources whose verbs include list and watch (not
subresources), drops aliases served twice (``events.k8s.io`` Events are the
core Events; ``extensions`` kinds live on in ``apps`` and ``networking.k8s.io``),
and applies ``--include`` / ``--exclude``. A group whose discovery fails (an
aggregated API that is down) is skipped with a reason, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crumbs.cluster.transport import ApiError, Transport
from crumbs.formats.objects import interpret
from crumbs.model import Event, HelmRelease, Revision, mapping, sequence

_ALIASES = {("events.k8s.io", "Event"), ("extensions", "Ingress"), ("extensions", "Deployment"),
            ("extensions", "DaemonSet"), ("extensions", "ReplicaSet"), ("extensions", "NetworkPolicy")}  # fmt: skip


@dataclass(frozen=True, order=True)
class ApiResource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def name(self) -> str:
        """``deployments.apps``, ``pods``: how kubectl names it."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self) -> str:
        """The cluster-wide collection: ``/apis/apps/v1/deployments``."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{base}/{self.plural}"

    def matches(self, spec: str) -> bool:
        """``pods``, ``Pod``, ``pod``, ``deployments.apps``, ``Deployment.apps``, ``apps/Deployment``."""
        s = spec.strip()
        if "/" in s:
            group, _, kind = s.rpartition("/")
            return group == self.group and kind.lower() in (self.kind.lower(), self.plural)
        word, _, group = s.partition(".")
        if group and group != self.group:
            return False
        return word.lower() in (self.plural, self.kind.lower())


@dataclass
class Discovery:
    resources: list[ApiResource] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(what, why) for groups or resources left out."""


def discover(
    transport: Transport, include: list[str] | None = None, exclude: list[str] | None = None
) -> Discovery:
    out = Discovery()
    versions = [str(v) for v in sequence(mapping(transport.get("/api")).get("versions"))]
    for v in versions[:1]:
        _resources(transport, "", v, f"/api/{v}", out)
    for group in sequence(mapping(transport.get("/apis")).get("groups")):
        g = mapping(group)
        preferred = mapping(g.get("preferredVersion")).get("version")
        if not preferred:
            vs = sequence(g.get("versions"))
            preferred = mapping(vs[0]).get("version") if vs else None
        if preferred:
            _resources(
                transport,
                str(g.get("name")),
                str(preferred),
                f"/apis/{g.get('name')}/{preferred}",
                out,
            )
    kinds = {(r.group, r.kind) for r in out.resources}
    chosen = []
    for r in sorted(set(out.resources)):
        if (r.group, r.kind) in _ALIASES and any(k == r.kind and g != r.group for g, k in kinds):
            continue
        if include and not any(r.matches(s) for s in include):
            continue
        if exclude and any(r.matches(s) for s in exclude):
            out.skipped.append((r.name, "excluded"))
            continue
        chosen.append(r)
    out.resources = chosen
    return out


def _resources(transport: Transport, group: str, version: str, path: str, out: Discovery) -> None:
    try:
        listed: Any = transport.get(path)
    except ApiError as err:
        out.skipped.append((path, f"discovery failed: {err}"))
        return
    for item in sequence(mapping(listed).get("resources")):
        r = mapping(item)
        name = str(r.get("name") or "")
        verbs = {str(v) for v in sequence(r.get("verbs"))}
        if not name or "/" in name or not {"list", "watch"} <= verbs:
            continue
        out.resources.append(
            ApiResource(group, version, str(r.get("kind") or ""), name, bool(r.get("namespaced")))
        )


def discover_or_warn(
    transport: Transport,
    include: list[str] | None,
    exclude: list[str] | None,
    warn: Callable[[str], None],
) -> list[ApiResource]:
    """The resources to follow; what could not be discovered is a warning, not a failure."""
    try:
        found = discover(transport, include, exclude)
    except (ApiError, ConnectionError) as err:
        warn(f"{transport.name}: discovery failed: {err}")
        return []
    for what, why in found.skipped:
        if why != "excluded":
            warn(f"{transport.name}: {what}: {why}")
    return found.resources


def storable(
    value: Any, where: str, cluster: str, at: int
) -> Iterator[Revision | Event | HelmRelease]:
    """The records ``crumbs ingest`` would make of an object or a watch event, dated ``at``."""
    for rec in interpret(value, where, cluster, at):
        if isinstance(rec, (Revision, Event, HelmRelease)):
            yield rec
