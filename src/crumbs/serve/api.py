"""The JSON API under ``/api/v1/``: one endpoint per reading command, from the application layer.

Each endpoint is a row of :data:`ENDPOINTS`: its path, its query parameters (named as the
command's options), the contract type it returns and the application-layer call. The routes,
the OpenAPI document and the tests are all read off this table, so none can drift from the
others. What an endpoint returns is exactly what ``crumbs --redact COMMAND -o json`` prints:
the store is opened with the sharing redaction, as the copilot's tools and MCP see it.

Cluster-scoped objects take ``_`` as their namespace: ``/api/v1/objects/Node/_/node-a/history``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crumbs import contract
from crumbs.app import (
    activity,
    blame,
    diagnose,
    diff,
    drift,
    facts,
    history,
    investigate,
    objects,
    releases,
    rollouts,
)
from crumbs.app import logs as logs_app
from crumbs.app import status as status_app
from crumbs.app import timeline as timeline_app
from crumbs.app import traces as traces_app
from crumbs.errors import UsageError
from crumbs.explain.replay import diff_json, diff_traces
from crumbs.store import Store

CLUSTER_SCOPED = "_"


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    many: bool = False
    """Repeatable (``?kind=Deployment&kind=Service``) or comma-separated."""
    flag: bool = False
    """A boolean: ``true``/``1``/``yes`` or ``false``/``0``/``no``."""
    integer: bool = False


class Query:
    """A request's path and query parameters, read as the endpoint declares them."""

    def __init__(self, path: Mapping[str, str], query: Mapping[str, list[str]]) -> None:
        self.path = path
        self._query = query

    def one(self, name: str) -> str | None:
        values = self._query.get(name)
        return values[-1] if values else None

    def many(self, name: str) -> list[str]:
        return [
            v.strip() for text in self._query.get(name, []) for v in text.split(",") if v.strip()
        ]

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.one(name)
        if value is None or value == "":
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise UsageError(f"?{name}={value}: true or false")

    def integer(self, name: str, default: int, least: int = 1, most: int = 1_000_000) -> int:
        value = self.one(name)
        if value is None or value == "":
            return default
        try:
            n = int(value)
        except ValueError:
            raise UsageError(f"?{name}={value}: a whole number") from None
        if not least <= n <= most:
            raise UsageError(f"?{name}={value}: between {least} and {most}")
        return n

    def target(self) -> tuple[str, str | None]:
        """``(KIND/NAME, namespace)`` from the ``{kind}/{namespace}/{name}`` path; ``_``: cluster-scoped."""
        ns = self.path["namespace"]
        return f"{self.path['kind']}/{self.path['name']}", (None if ns == CLUSTER_SCOPED else ns)


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    returns: Any
    """The contract type (:mod:`crumbs.contract`) of the answer."""
    call: Callable[[Store, Query], Any]
    params: tuple[Param, ...] = ()
    command: str = ""
    """The CLI command that prints the same JSON."""

    @property
    def name(self) -> str:
        return (
            self.path.removeprefix("/").replace("/", "-").replace("{", "").replace("}", "")
            or "root"
        )


# -- the parameters, named as the commands' options ----------------------------------------

NAMESPACE = Param("namespace", "Only this namespace.")
CLUSTER = Param("cluster", "Only this cluster (the store may hold several).")
AT = Param("at", "As of this time (RFC 3339, a date, or a duration ago such as 2h).")
SINCE = Param("since", "Only the last DURATION (2h, 30m, 7d) before the store's newest record.")
FROM = Param("from", "From this time (RFC 3339, a date, or a duration ago).")
TO = Param("to", "Up to this time.")
KIND = Param("kind", "Only these kinds (deploy, Deployment, cronjobs.batch).", many=True)
WINDOW = (SINCE, FROM, TO, NAMESPACE, KIND, CLUSTER)


def _timeline(store: Store, q: Query, *, changes: bool = True) -> contract.Timeline:
    return timeline_app.timeline(
        store, since=q.one("since"), start=q.one("from"), end=q.one("to"), namespace=q.one("namespace"),
        kinds=q.many("kind"), cluster=q.one("cluster"), noise=q.flag("noise"), events=not q.flag("no-events"),
        channels=q.many("channel"), activity=q.flag("activity"), changes=changes, actors=q.many("actor"),
    ).json()  # fmt: skip


def _scan(store: Store, q: Query) -> contract.Findings:
    return diagnose.scan(
        store, at=q.one("at"), namespace=q.one("namespace"), severity=q.one("severity") or "info",
        selector=q.one("selector"), cluster=q.one("cluster"), profile=q.one("profile") or "default",
    ).json()  # fmt: skip


def _why(store: Store, q: Query) -> contract.Findings:
    target, ns = q.target()
    return diagnose.why(
        store, target, namespace=ns, at=q.one("at"), cluster=q.one("cluster")
    ).json()


def _logs(store: Store, q: Query) -> contract.Logs:
    pod = q.one("pod")
    if not pod:
        raise UsageError("?pod= is required: the pod whose logs to show")
    lq = logs_app.query(store, pod, q.one("namespace"), q.one("container"), q.flag("previous"), q.one("at"),
                        q.one("grep"), most=q.integer("tail", 200), cluster=q.one("cluster"))  # fmt: skip
    ns, chunks = logs_app.pod_logs(store, lq)
    return logs_app.as_json(ns, lq.pod, chunks)


def _trace_diff(store: Store, q: Query) -> contract.TraceDiff:
    return diff_json(*diff_traces(store, _trace_id(q.path["a"]), _trace_id(q.path["b"])))


def _trace_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{text}: a trace id is a number (crumbs trace list)") from None


OBJECT = "/objects/{kind}/{namespace}/{name}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/timeline", "Changes (each summarised, with who) and Events of a window, oldest first.", contract.Timeline,
             _timeline, (*WINDOW, Param("channel", "Only changes made through these channels: human, helm, gitops, iac, controller, operator, unknown.", many=True),
                         Param("actor", "Only changes whose manager, user or tool contains one of these words.", many=True),
                         Param("noise", "Also revisions that only moved heartbeats.", flag=True), Param("no-events", "Changes only.", flag=True),
                         Param("activity", "Also what the nodes saw that nobody recorded.", flag=True)), "timeline"),
    Endpoint("/events", "Events (and container log captures) of a window, oldest first: the timeline without its changes.", contract.Timeline,
             lambda s, q: _timeline(s, q, changes=False), WINDOW, "events"),
    Endpoint(OBJECT + "/history", "Every revision of an object: id, time, what changed.", contract.History,
             lambda s, q: history.history(s, q.target()[0], namespace=q.target()[1], cluster=q.one("cluster")).json(), (CLUSTER,), "history"),
    Endpoint(OBJECT + "/diff", "What changed between two revisions (default: the last two).", contract.Diff,
             lambda s, q: diff.diff(s, q.target()[0], namespace=q.target()[1], start=q.one("from"), end=q.one("to") or "-1", cluster=q.one("cluster")).json(),
             (Param("from", "The older revision: 3, -2 or #1234 (default: the one before to)."), Param("to", "The newer revision (default: -1, the latest)."), CLUSTER), "diff"),
    Endpoint(OBJECT + "/blame", "The object as YAML, per line who last wrote it and when.", contract.Blame,
             lambda s, q: blame.blame(s, q.target()[0], namespace=q.target()[1], at=q.one("at"), cluster=q.one("cluster")).json(), (AT, CLUSTER), "blame"),
    Endpoint(OBJECT + "/rollouts", "A workload's rollouts: images, who rolled out each.", contract.Rollouts,
             lambda s, q: rollouts.rollouts(s, q.target()[0], namespace=q.target()[1], at=q.one("at"), cluster=q.one("cluster")).json(), (AT, CLUSTER), "rollouts"),
    Endpoint(OBJECT + "/get", "The object as of a time, as the API server returned it.", contract.KubeObject,
             lambda s, q: objects.get(s, q.target()[0], namespace=q.target()[1], at=q.one("at"), cluster=q.one("cluster")).json(), (AT, CLUSTER), "get"),
    Endpoint("/releases", "Helm releases (the latest revision of each), or with name one release's revisions.", contract.Releases,
             lambda s, q: releases.releases(s, q.one("name"), q.one("namespace"), q.one("at"), q.one("cluster")).json(),
             (Param("name", "One release: its revisions and what each changed."), NAMESPACE, AT, CLUSTER), "releases"),
    Endpoint("/drift", "Hand edits of Helm-, Argo CD- or Flux-owned objects, with their age; objects nothing declares.", contract.Drift,
             lambda s, q: drift.drift_of(s, q.one("namespace"), q.one("at"), q.one("cluster")).json(), (NAMESPACE, AT, CLUSTER), "drift"),
    Endpoint("/scan", "Everything broken, with ranked causes (changes, who, when).", contract.Findings, _scan,
             (AT, NAMESPACE, Param("severity", "The least severity shown: error, warning or info."), Param("selector", "Only objects with these labels (app=web)."),
              Param("profile", "default, or lint (hygiene and security)."), CLUSTER), "scan"),
    Endpoint("/why/{kind}/{namespace}/{name}", "The findings about one object, with ranked causes.", contract.Findings, _why, (AT, CLUSTER), "why"),
    Endpoint("/activity", "What ran and talked on the nodes, by pod.", contract.Activity,
             lambda s, q: activity.activity(s, namespace=q.one("namespace"), pod=q.one("pod"), since=q.one("since"), types=q.many("type"),
                                            rollups=q.flag("rollups"), limit=q.integer("limit", 200), cluster=q.one("cluster")).json(),
             (NAMESPACE, CLUSTER, Param("pod", "Only this pod."), Param("type", "exec, exit, connect, accept, dns.", many=True), SINCE,
              Param("rollups", "Per-minute rollups instead of events.", flag=True), Param("limit", "At most this many (newest).", integer=True)), "activity"),
    Endpoint("/logs", "The container logs kept of a pod, secrets redacted.", contract.Logs, _logs,
             (Param("pod", "The pod (required)."), NAMESPACE, Param("container", "Only this container."), Param("previous", "The previous container's.", flag=True),
              AT, Param("grep", "Only lines matching this regular expression."), Param("tail", "The last N lines (default 200).", integer=True), CLUSTER), "logs"),
    Endpoint("/info", "The store at a glance: the time covered, what it holds, each cluster's facts.", contract.Info,
             lambda s, q: facts.info(s), (), "info"),
    Endpoint("/status", "What crumbs watch knows of each resource it records.", contract.Status,
             lambda s, q: status_app.watch_status(s, q.one("cluster"))[1], (CLUSTER,), "status"),
    Endpoint("/traces", "The copilot's latest runs, newest first.", contract.TraceList,
             lambda s, q: traces_app.trace_list(s, q.integer("limit", 20, most=1000))[1], (Param("limit", "How many (default 20).", integer=True),), "trace list"),
    Endpoint("/traces/{id}", "One copilot run with every step, as recorded (and as sent: redacted).", contract.TraceDetail,
             lambda s, q: traces_app.trace_show(s, _trace_id(q.path["id"]))[1], (), "trace show"),
    Endpoint("/traces/{a}/diff/{b}", "The first step where two runs part, and how.", contract.TraceDiff, _trace_diff, (), "trace diff"),
    Endpoint("/investigations", "Alerts investigated, newest first.", contract.Investigations,
             lambda s, q: investigate.listed(s, q.integer("limit", 50, most=1000), q.one("fingerprint")),
             (Param("limit", "How many (default 50).", integer=True), Param("fingerprint", "Only this alert's (Alertmanager's fingerprint).")), "investigations list"),
    Endpoint("/investigations/{id}", "One alert investigated: the object, the findings as of its start, the notifications.", contract.Investigation,
             lambda s, q: investigate.shown(s, _trace_id(q.path["id"])), (), "investigations show"),
)  # fmt: skip
