"""The JSON contract: what every reading command prints with ``-o json``, what the copilot's
tools and the MCP server return and what the HTTP API serves, as types.

One module, types only (the ground floor: anything may import it). The builders in
:mod:`crumbs.report` and the results of :mod:`crumbs.app` are annotated with these, so mypy
holds the code to them; ``tests/test_docs.py`` holds the README's JSON table to them; the
HTTP API's OpenAPI document is generated from them. Fields are only ever added: removing or
renaming one is a breaking change of the CLI's API.

Times are RFC 3339 strings in UTC with nanoseconds as needed (``2026-11-27T14:05:12.031Z``).
``NotRequired`` fields are present only when they have a value, as the README's table says.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic (the OpenAPI document) needs this one on 3.11

KubeObject = dict[str, Any]
"""A Kubernetes object as the API server returns it (``get``), redacted."""

NodeEventJSON = dict[str, Any]
"""One node event in its own versioned schema, ``crumbs.node-event/v1``
(:mod:`crumbs.formats.nodeevents` writes and checks it field by field)."""


# -- shared references ---------------------------------------------------------------------


class ObjectRef(TypedDict):
    cluster: str
    group: str
    kind: str
    namespace: str
    name: str
    uid: str
    apiVersion: NotRequired[str]


class RevisionRef(TypedDict):
    id: int
    at: str
    type: str
    """``ADDED``, ``MODIFIED`` or ``DELETED``."""
    uid: str
    ordinal: NotRequired[int]
    """Its place in the object's history, 1 first."""
    resourceVersion: NotRequired[str]


class ActorRef(TypedDict):
    manager: str | None
    operation: str | None
    channel: str
    """``human``, ``helm``, ``gitops``, ``iac``, ``controller``, ``operator`` or ``unknown``."""
    tool: str | None
    subresource: NotRequired[str]
    user: NotRequired[str]


class AttributionRef(ActorRef):
    """Who made a change: one actor's fields, or nulls and the ``candidates`` it may have been."""

    certain: bool
    basis: str
    note: NotRequired[str]
    candidates: NotRequired[list[ActorRef]]


class SubjectRef(TypedDict):
    apiVersion: str
    kind: str
    namespace: str
    name: str
    uid: NotRequired[str]


# -- timeline and events -------------------------------------------------------------------


class ChangeEntry(TypedDict):
    type: Literal["change"]
    at: str
    object: ObjectRef
    revision: RevisionRef
    summary: str
    paths: list[str]
    actor: AttributionRef


class EventRef(TypedDict):
    id: int
    type: str
    reason: str
    message: str
    count: int
    source: str
    firstAt: str | None


class EventEntry(TypedDict):
    type: Literal["event"]
    at: str
    object: ObjectRef
    event: EventRef


class LogRef(TypedDict):
    id: int
    cluster: str
    namespace: str
    pod: str
    podUid: str | None
    container: str
    previous: bool | None
    restarts: int | None
    capturedAt: str
    firstAt: str | None
    lastAt: str | None
    source: str
    lineCount: int
    lines: NotRequired[list[str]]
    """In ``logs``; a timeline's log entries leave them out."""


class LogEntry(TypedDict):
    type: Literal["log"]
    at: str
    log: LogRef


class NodeEventEntry(TypedDict):
    type: Literal["node-event"]
    at: str
    why: str
    event: NodeEventJSON


TimelineEntry = ChangeEntry | EventEntry | LogEntry | NodeEventEntry

Timeline = TypedDict(
    "Timeline", {"from": str | None, "to": str | None, "entries": list[TimelineEntry]}
)
"""``timeline`` and ``events``."""


# -- one object ----------------------------------------------------------------------------


class HistoryRevision(RevisionRef):
    summary: str
    paths: list[str]


class History(TypedDict):
    object: ObjectRef
    revisions: list[HistoryRevision]


Diff = TypedDict(
    "Diff",
    {
        "object": ObjectRef,
        "from": RevisionRef | None,
        "to": RevisionRef,
        "summary": str,
        "paths": list[str],
        "patch": list[dict[str, Any]],
    },
)
"""``diff``: ``patch`` is a list of RFC 6902 operations."""


class BlameOwner(TypedDict):
    manager: str | None
    operation: str | None
    channel: str | None
    time: str | None
    subresource: NotRequired[str]


class BlameLine(BlameOwner):
    text: str
    since: RevisionRef | None
    owners: NotRequired[list[BlameOwner]]
    """When more than one manager owns the line."""


class Blame(TypedDict):
    object: ObjectRef
    at: str | None
    problems: list[str]
    lines: list[BlameLine]


class RolloutRef(TypedDict):
    revision: int
    name: str
    created: str | None
    images: list[str]
    replicas: int | None
    ready: int | None
    current: bool
    also: list[int]
    changeCause: str | None
    restartedAt: str | None
    summary: str
    deleted: bool
    actor: AttributionRef | None
    source: NotRequired[dict[str, Any]]
    """An Argo CD Application's history entry: the source it synced."""


class Rollouts(TypedDict):
    object: ObjectRef
    at: str
    revisions: list[RolloutRef]


# -- Helm releases and drift ---------------------------------------------------------------


class ReleaseRef(TypedDict):
    cluster: str
    namespace: str
    name: str
    revision: int
    status: str
    chart: str
    chartVersion: str
    appVersion: str
    updated: str
    firstDeployed: str | None
    description: str
    storage: str


class ReleaseRevision(ReleaseRef):
    summary: str
    patch: list[dict[str, Any]]
    values: Any
    resources: list[str]


class ReleaseName(TypedDict):
    namespace: str | None
    name: str


class ReleaseList(TypedDict):
    releases: list[ReleaseRef]


class ReleaseHistory(TypedDict):
    release: ReleaseName
    revisions: list[ReleaseRevision]


Releases = ReleaseList | ReleaseHistory
"""``releases``, and ``releases NAME``."""


class DriftOwner(TypedDict):
    channel: str
    kind: str
    name: str
    namespace: str
    evidence: str


class DriftField(ActorRef):
    path: str
    value: Any
    time: str | None
    ageSeconds: int | None


class DriftEntry(TypedDict):
    object: ObjectRef
    owner: DriftOwner
    fields: list[DriftField]


class Unowned(TypedDict):
    object: ObjectRef
    createdBy: ActorRef | None


class Drift(TypedDict):
    at: str
    drift: list[DriftEntry]
    unowned: list[Unowned]


# -- findings ------------------------------------------------------------------------------


class EvidenceRef(TypedDict):
    kind: str
    """``revision``, ``event``, ``object`` or ``log``."""
    subject: SubjectRef
    at: str | None
    summary: str
    id: int | None
    lines: NotRequired[list[str]]
    """Kind ``log``: the last lines the container wrote (3 at most)."""
    template: NotRequired[str]
    count: NotRequired[int]
    newSinceCause: NotRequired[bool | None]


class CauseActor(TypedDict):
    manager: str | None
    operation: str | None
    channel: str
    user: NotRequired[str]
    certain: bool
    note: NotRequired[str]


PathStep = TypedDict("PathStep", {"from": SubjectRef, "to": SubjectRef, "edge": str, "label": str})
"""One edge of the way from the symptom to the cause."""


class CauseRef(TypedDict):
    rank: int
    score: float
    subject: SubjectRef
    at: str
    revision: int
    actor: CauseActor
    summary: str
    paths: list[str]
    distance: int
    why: str
    transition: bool
    """A state the subject went into (a Node NotReady), not an edit of its spec."""
    path: list[PathStep]


class AlsoRef(TypedDict):
    id: str
    analyzer: str
    rule: str
    severity: str
    title: str
    detail: str
    since: str | None


class FindingRef(TypedDict):
    id: str
    analyzer: str
    rule: str
    severity: str
    """``error``, ``warning`` or ``info``."""
    subject: SubjectRef
    title: str
    detail: str
    since: str | None
    remediation: str
    evidence: list[EvidenceRef]
    related: list[SubjectRef]
    causes: list[CauseRef]
    also: list[AlsoRef]


class Explanation(TypedDict):
    answer: str
    trace: int | None
    unverified: list[str]


class Findings(TypedDict):
    """``scan`` and ``why``."""

    at: str
    summary: dict[str, int]
    """Findings by severity: ``{"error", "warning", "info"}``."""
    findings: list[FindingRef]
    explanation: NotRequired[Explanation]
    """``why --explain`` only."""


# -- the store, the node agent, logs, the recorder, the copilot ----------------------------


class DeprecatedApi(TypedDict):
    object: str
    namespace: str
    severity: str
    title: str


class ClusterFacts(TypedDict):
    version: str | None
    versionFrom: str | None
    """How the version is known: the Nodes' kubelet versions, or the kube-apiserver, -controller-manager,
    -scheduler or kube-proxy image's tag (when the data has no Nodes)."""
    nodes: int
    namespaces: int
    deprecatedApisInUse: list[DeprecatedApi]


class ClusterInfo(ClusterFacts):
    name: str
    newest: str | None
    """Data freshness: the newest time observed in this cluster (a revision's; None: only
    declared manifests)."""


Info = TypedDict(
    "Info",
    {
        "store": str,
        "from": str | None,
        "to": str | None,
        "counts": dict[str, int],
        "clusters": list[ClusterInfo],
        "apiFacts": str,
    },
)
"""``info``: ``counts`` has ``objects``, ``revisions``, ``documents``, ``events``, ``releases``,
``audit``, ``logs``; ``apiFacts`` is what the copilot is told about the cluster's APIs."""


class Rollup(TypedDict):
    minute: str
    node: str
    type: str
    namespace: str
    pod: str
    subject: str
    result: str
    count: int
    first: str
    last: str


class ActivityEvents(TypedDict):
    events: list[NodeEventJSON]


class ActivityRollups(TypedDict):
    rollups: list[Rollup]


Activity = ActivityEvents | ActivityRollups
"""``activity``, and ``activity --rollups``."""


class Logs(TypedDict):
    namespace: str
    pod: str
    logs: list[LogRef]


class ResourceStatusRef(TypedDict):
    cluster: str
    resource: str
    kind: str
    state: str
    resourceVersion: str
    lastEvent: str | None
    lastContact: str | None
    lagSeconds: float | None
    events: int
    lists: int
    errors: int
    lastError: str | None
    updated: str


class ShippingRef(TypedDict):
    cluster: str
    peer: str
    role: str
    """``sender`` (watch or agent shipping to ``peer``) or ``receiver`` (serve's ingest)."""
    state: str
    pending: int
    spoolBytes: int
    shipped: int
    lost: int
    batches: int
    errors: int
    lastError: str | None
    lastDelivery: str | None
    newest: str | None
    lagSeconds: float | None
    """The receiver's: now minus the newest record time received from the cluster."""
    updated: str


class Status(TypedDict):
    resources: list[ResourceStatusRef]
    shipping: list[ShippingRef]


TokenCount = TypedDict("TokenCount", {"in": int, "out": int})


class TraceRef(TypedDict):
    id: int
    started: str
    question: str
    mode: str
    model: str
    params: dict[str, Any]
    systemHash: str
    status: str
    error: str | None
    answer: str
    tokens: TokenCount
    cost: float | None
    latencyMs: int
    replayOf: int | None


class TraceStep(TypedDict):
    n: int
    kind: str
    name: str
    tokens: int
    latencyMs: int
    payload: Any


class TraceList(TypedDict):
    traces: list[TraceRef]


class TraceDetail(TraceRef):
    steps: list[TraceStep]


class Asked(TypedDict):
    """``ask``: the answer, the trace that recorded it, and the citations nothing returned."""

    answer: str
    trace: int
    status: str
    unverified: list[str]
    tokens: TokenCount


class ReplayDifference(TypedDict):
    step: int
    tool: str
    arguments: str
    diff: str


class Replayed(TypedDict):
    """``trace replay``."""

    replayOf: int
    trace: int
    answer: str
    same: bool
    differences: list[ReplayDifference]


class DivergenceRef(TypedDict):
    agreedSteps: int
    how: str
    a: int | None
    b: int | None


class TraceDiff(TypedDict):
    """``trace diff``."""

    a: TraceRef
    b: TraceRef
    same: bool
    divergence: DivergenceRef | None


class AlertRef(TypedDict):
    fingerprint: str
    name: str
    status: str
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    startsAt: str
    endsAt: str | None
    generatorURL: str


class DeliveryRef(TypedDict):
    destination: str
    kind: str
    """``slack``, ``teams`` or ``webhook``."""
    state: str
    """``sent`` or ``failed``."""
    attempts: int
    at: str
    error: str
    latencyMs: int


class Investigation(TypedDict):
    """``investigations show``, and each of ``investigate``'s: an alert and what was found as
    of its start."""

    id: int | None
    alert: AlertRef
    receivedAt: str
    source: str
    """``webhook`` (Alertmanager called) or ``api`` (crumbs investigate pulled)."""
    cluster: str
    namespace: str
    at: str
    """The time the cluster was explained as of: the alert's start."""
    subject: SubjectRef | None
    mappedBy: str | None
    """The label that named the subject (``pod``, ``deployment``, ``instance``...)."""
    outcome: str
    """``explained`` (a cause), ``unexplained`` (findings, no cause), ``nothing`` (no finding),
    ``unmapped`` (no object named: the namespace's or the cluster's scan)."""
    headline: str
    findings: list[FindingRef]
    explanation: Explanation | None
    notifications: list[DeliveryRef]


class InvestigationSummary(TypedDict):
    id: int
    fingerprint: str
    alertname: str
    status: str
    severity: str
    cluster: str
    namespace: str
    startsAt: str
    receivedAt: str
    outcome: str
    headline: str


class Investigations(TypedDict):
    investigations: list[InvestigationSummary]


class CopiedTable(TypedDict):
    table: str
    rows: int
    digest: str


class StoreCopy(TypedDict):
    source: str
    destination: str
    tables: list[CopiedTable]
    verified: bool
    seconds: float


class StorePrune(TypedDict):
    store: str
    cut: str
    revisionsForgotten: int
    revisionsKept: int
    events: int
    audit: int
    documents: int
    partitionsDropped: list[str]
