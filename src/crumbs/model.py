"""Identity and record types shared by every layer.

Raw Kubernetes objects stay plain dicts (``Obj``): they are parsed once with
orjson and never turned into models on the hot path. Records around them are
small frozen dataclasses with slots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import orjson

Obj = dict[str, Any]
"""A Kubernetes object as the API prints it (apiVersion, kind, metadata, ...)."""


class RevisionType(IntEnum):
    """How a revision came to be, as a watch stream says it."""

    ADDED = 1
    MODIFIED = 2
    DELETED = 3


class Origin(IntEnum):
    """Where a revision's document comes from."""

    OBSERVED = 0
    """Seen in a cluster: a watch, a list, a dump, an archive."""
    DECLARED = 1
    """A manifest (no status, no uid, no resourceVersion): what someone meant, not what ran."""
    RECONSTRUCTED = 2
    """Rebuilt from what the cluster keeps (a ReplicaSet's template, a ControllerRevision)."""


@dataclass(frozen=True, slots=True, order=True)
class ObjectKey:
    """Which object a revision belongs to, without its incarnation (``uid``)."""

    cluster: str
    """The store's name for the cluster (``--cluster``, or the kube context)."""
    group: str
    """The API group: ``""`` for the core group, ``apps``, ``batch``, ..."""
    kind: str
    """The kind, as in the object: ``Deployment``."""
    namespace: str
    """The namespace, ``""`` for cluster-scoped objects."""
    name: str
    """``metadata.name``."""

    @property
    def ref(self) -> str:
        """``Deployment/billing``, as kubectl prints it."""
        return f"{self.kind}/{self.name}"

    def display(self) -> str:
        """``billing/Deployment/billing`` (namespace first when there is one)."""
        return f"{self.namespace}/{self.ref}" if self.namespace else self.ref


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (objects are not to be trusted)."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` → (``apps``, ``v1``); ``v1`` → (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(slots=True)
class Revision:
    """One observed state of an object, on its way into the store."""

    key: ObjectKey
    uid: str
    """``metadata.uid``; ``""`` for manifests that never reached a cluster."""
    at: int | None
    """When it was observed (ns since epoch), as a watch or recorder said; None for a
    snapshot: the store dates it at the snapshot's own time (see :attr:`stamp`)."""
    type: RevisionType | None
    """ADDED, MODIFIED, DELETED as a watch said it; None for a snapshot."""
    doc: Obj
    where: str = ""
    """Where it was read: ``file.jsonl:12``, for messages."""
    stamp: int | None = None
    """The newest time the document carries about itself (conditions, container states,
    managedFields): a snapshot is observed no earlier than the newest of its stamps."""
    origin: Origin = Origin.OBSERVED


class StoredRevision:
    """A revision read back from the store (read-only by convention: share, do not change).

    ``doc`` may be decoded on first use (from ``raw``, the document's JSON): a
    scan reads a hundred thousand objects and looks inside fewer than half.
    """

    __slots__ = ("id", "object_id", "key", "uid", "at", "type", "_doc", "_raw", "ordinal", "origin")

    id: int
    """Global, stable revision id: evidence refers to revisions by it."""
    object_id: int
    key: ObjectKey
    uid: str
    at: int
    type: RevisionType
    ordinal: int
    """1-based position in its object's history (all incarnations), 0 if unknown."""
    origin: Origin
    _doc: Obj | None
    _raw: Callable[[], bytes] | None

    def __init__(
        self,
        id: int,
        object_id: int,
        key: ObjectKey,
        uid: str,
        at: int,
        type: RevisionType,
        doc: Obj | None = None,
        ordinal: int = 0,
        raw: Callable[[], bytes] | None = None,
        origin: Origin = Origin.OBSERVED,
    ) -> None:
        if doc is None and raw is None:
            raise ValueError("a stored revision needs its document or a way to load it")
        self.id = id
        self.object_id = object_id
        self.key = key
        self.uid = uid
        self.at = at
        self.type = type
        self._doc = doc
        self._raw = raw
        self.ordinal = ordinal
        self.origin = origin

    @property
    def doc(self) -> Obj:
        doc: Obj | None = self._doc
        if doc is None:
            assert self._raw is not None
            doc = self._doc = orjson.loads(self._raw())
        return doc

    def json(self) -> bytes:
        """The document as JSON bytes, without building it (for cheap searches before decoding)."""
        return self._raw() if self._raw is not None else orjson.dumps(self.doc)

    def with_ordinal(self, ordinal: int) -> StoredRevision:
        return StoredRevision(
            self.id, self.object_id, self.key, self.uid, self.at, self.type,
            self._doc, ordinal, self._raw, self.origin,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredRevision):
            return NotImplemented
        return (self.id, self.object_id, self.key, self.uid, self.at, self.type, self.ordinal) == (
            other.id, other.object_id, other.key, other.uid, other.at, other.type, other.ordinal,
        ) and self.doc == other.doc  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StoredRevision(id={self.id}, key={self.key!r}, uid={self.uid!r}, at={self.at}, type={self.type!r}, ordinal={self.ordinal})"


@dataclass(slots=True)
class Event:
    """A Kubernetes Event (core/v1 or events.k8s.io/v1), kept on its object's timeline."""

    key: ObjectKey
    """The involved (``regarding``) object."""
    uid: str
    at: int | None
    type: str
    """``Normal`` or ``Warning``."""
    reason: str
    message: str
    count: int = 1
    source: str = ""
    """The component that reported it (``kubelet``, ``deployment-controller``)."""
    first_at: int | None = None
    event_uid: str = ""
    where: str = ""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    key: ObjectKey
    uid: str
    at: int
    type: str
    reason: str
    message: str
    count: int
    source: str
    first_at: int | None


@dataclass(frozen=True, slots=True)
class Problem:
    """A document or file that was rejected, and why (one line)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True, slots=True)
class NotKubernetes(Problem):
    """A document that is not Kubernetes data at all (no apiVersion and kind, a scalar).

    A file named on the command line that holds it is rejected; in a directory
    walk, a file holding nothing else is skipped (logs, READMEs, Helm values).
    """


@dataclass(frozen=True, slots=True)
class Note:
    """Something worth saying that rejects nothing (an undecodable Helm release, say)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(slots=True)
class HelmRelease:
    """One revision of a Helm release, decoded from its storage Secret at ingest."""

    cluster: str
    namespace: str
    name: str
    revision: int
    status: str
    """``deployed``, ``superseded``, ``failed``, ``uninstalled``, ``pending-upgrade``..."""
    chart: str
    chart_version: str
    app_version: str
    at: int | None
    """When it was last deployed."""
    first_deployed: int | None
    description: str
    values: dict[str, Any]
    """The user-supplied values (``helm get values``)."""
    defaults: dict[str, Any]
    """The chart's default values."""
    manifest: list[Obj]
    """The rendered manifest's objects."""
    storage: str
    """``Secret/sh.helm.release.v1.billing.v3``."""
    where: str = ""
    deployed: int | None = None
    """``info.last_deployed``: when this revision was deployed (``at`` may be later: when it
    was superseded)."""


@dataclass(frozen=True, slots=True)
class StoredRelease:
    id: int
    cluster: str
    namespace: str
    name: str
    revision: int
    status: str
    chart: str
    chart_version: str
    app_version: str
    at: int
    first_deployed: int | None
    description: str
    storage: str
    payload: dict[str, Any]
    """``{"values", "defaults", "manifest", "deployed"}``, redacted (``deployed`` absent in
    records stored before it was kept)."""


@dataclass(slots=True)
class AuditRecord:
    """A mutating request from the API server's audit log (audit.k8s.io/v1 Event, ResponseComplete).

    The same record goes into the store and comes back out of it.
    """

    key: ObjectKey
    uid: str
    at: int
    """When the response completed (``stageTimestamp``)."""
    verb: str
    user: str
    groups: tuple[str, ...]
    source_ips: tuple[str, ...]
    user_agent: str
    code: int
    audit_id: str
    subresource: str = ""
    resource_version: str = ""
    """The object's resourceVersion after the request (RequestResponse level only)."""
    where: str = ""


@dataclass(slots=True)
class LogChunk:
    """Lines a container wrote, as an archive or a dump kept them: evidence of that pod and
    container. ``container`` is empty when the source does not say; ``previous`` None when it
    does not say whether the lines are the current or the previous container's."""

    cluster: str
    namespace: str
    pod: str
    container: str
    lines: list[str]
    where: str
    first_at: int | None = None
    """The first time a line carries (``--timestamps``, an RFC 3339 prefix); None: none do."""
    last_at: int | None = None
    previous: bool | None = None
    at: int | None = None
    """When the lines were captured: the snapshot's time, known when it ends."""
    pod_uid: str | None = None
    """Which incarnation of the pod (a live capture knows; an archive rarely says)."""
    restarts: int | None = None
    """The container's restart count when its lines were captured (with ``previous``: the run
    before that restart wrote them)."""


@dataclass(frozen=True, slots=True)
class StoredLog:
    id: int
    cluster: str
    namespace: str
    pod: str
    container: str
    previous: bool | None
    first_at: int | None
    last_at: int | None
    observed_at: int
    lines: int
    raw_bytes: int
    where: str
    text: str
    """The lines as stored: secret-looking values already replaced by their keyed digests."""
    pod_uid: str | None = None
    restarts: int | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something read on purpose without storing it (a BOOKMARK, a log file)."""

    where: str
    reason: str


class Channel(StrEnum):
    """Through which channel a change reached the cluster."""

    HUMAN = "human"  # kubectl, k9s, Lens, a dashboard: someone's hands
    HELM = "helm"
    GITOPS = "gitops"  # Argo CD, Flux
    IAC = "iac"  # Terraform, Pulumi
    CONTROLLER = "controller"  # the Kubernetes control plane and kubelets
    OPERATOR = "operator"  # other controllers and operators
    UNKNOWN = "unknown"


CHANNELS: tuple[str, ...] = tuple(Channel)
"""Every channel, in the order they are told."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a field manager, and what it stands for."""

    manager: str
    """The managedFields manager (``kubectl-patch``), or the audit log's user agent."""
    operation: str
    """``Update`` or ``Apply``."""
    channel: str
    """One of :class:`Channel`."""
    tool: str
    """A name for people: ``kubectl patch``, ``Helm``, ``Argo CD``."""
    subresource: str = ""
    user: str | None = None
    """The authenticated user, known from audit logs only."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who made a change, and how sure that is."""

    actors: tuple[Actor, ...]
    """One when certain; several when the evidence allows several (then ``certain`` is False)."""
    basis: str
    """``audit`` (logs), ``managedFields`` (owned fields that changed and whose writer's time moved),
    ``creation`` (the writers at creation), or ``none``."""
    certain: bool
    note: str = ""
    """``uncertain: kubectl-patch or helm``, ``attribution unknown: no managedFields``, ..."""

    @property
    def actor(self) -> Actor | None:
        return self.actors[0] if len(self.actors) == 1 else None


@dataclass(frozen=True, slots=True)
class Change:
    """What one revision changed against the one before it, noise removed."""

    revision: StoredRevision
    previous: StoredRevision | None
    patch: list[dict[str, Any]] = field(default_factory=list)
    """RFC 6902 operations turning the previous state into this one."""
    summary: str = ""
    """One line: ``image ghcr.io/acme/billing:1.4.2 → 2.0.0``."""
    paths: tuple[str, ...] = ()
    """Changed paths as dotted names: ``spec.template.spec.containers[billing].image``."""
    attribution: Attribution | None = None
    """Who made it (None until attributed)."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER: dict[str, int] = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
"""Most severe first; a severity string (a plugin's) looks itself up here."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a finding rests on: a revision, an event, or an object as it is now."""

    kind: str
    """``revision``, ``event``, ``object`` or ``log`` (lines a container wrote; ``id``: the chunk)."""
    key: ObjectKey
    at: int | None
    summary: str
    id: int | None = None
    """The revision or event id in the store, when there is one."""
    lines: tuple[str, ...] = ()
    """``log``: the lines quoted (a few, redacted when stored)."""
    template: str = ""
    """``log``: the template the first error-looking line belongs to, and how many lines did."""
    count: int = 0
    new: bool | None = None
    """``log``: whether the template first appeared after the top cause's change (None: no log
    from before it to compare with)."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One step in the dependency graph: ``dst`` may explain ``src``'s trouble."""

    src: ObjectKey
    dst: ObjectKey
    type: str
    """``owner``, ``runs-on``, ``uses``, ``storage-class``, ``quota``, ``named``…"""
    label: str
    """How ``dst`` relates to ``src``, for people: ``Node node-a, where it runs``."""


@dataclass(frozen=True, slots=True)
class Cause:
    """A change (or another object's state transition) that may have caused a finding, and
    why it ranks where it does."""

    rank: int
    score: float
    change: Change
    why: str
    distance: int
    """Hops in the dependency graph from the finding's subject (0: the subject itself)."""
    at: int | None = None
    """When it happened (None: the revision's time)."""
    path: tuple[Edge, ...] = ()
    """The edges from the finding's subject to the cause's object."""
    transition: bool = False
    """A state the object went into (a Node NotReady), not a change someone made."""


@dataclass(slots=True)
class Finding:
    """Something broken (or about to be) in the cluster."""

    analyzer: str
    rule: str
    """What exactly: ``crashloop``, ``selector-matches-no-pods``, ``image-lags-app``..."""
    severity: str
    key: ObjectKey
    uid: str
    api_version: str
    title: str
    detail: str = ""
    since: int | None = None
    """When it began, as far as the data tell."""
    evidence: list[Evidence] = field(default_factory=list)
    remediation: str = ""
    related: list[ObjectKey] = field(default_factory=list)
    """Other objects the finding is about (where causes are looked for first)."""
    relations: dict[ObjectKey, str] = field(default_factory=dict)
    """How some related objects relate, for people: ``the Deployment of the same app``."""
    causes: list[Cause] = field(default_factory=list)
    discriminator: str = ""
    """Tells apart findings of one rule on one object (a container name, a port)."""
    versions: dict[ObjectKey, str] = field(default_factory=dict)
    """The apiVersion of the objects its evidence and related refer to, where known."""
    also: list[Finding] = field(default_factory=list)
    """Findings on the same object from the same root cause, told as part of this one."""

    @property
    def id(self) -> str:
        """Stable across runs: the rule, the object and the discriminator, hashed."""
        import hashlib

        k = self.key
        text = "\0".join(
            (
                self.analyzer,
                self.rule,
                k.cluster,
                k.group,
                k.kind,
                k.namespace,
                k.name,
                self.discriminator,
            )
        )
        return "F" + hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ResourceStatus:
    """What a recorder knows of one resource it follows (``crumbs status``; shipped centrally)."""

    cluster: str
    resource: str
    kind: str
    state: str
    resource_version: str
    last_event_at: int | None
    last_contact_at: int | None
    events: int
    lists: int
    errors: int
    last_error: str
    updated_at: int
