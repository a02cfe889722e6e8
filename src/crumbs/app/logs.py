"""The container logs the store keeps, as a reader asks for them: one pod (one container), the
previous container's, up to a time, the lines matching a pattern. Stored lines are already
redacted; every face (CLI, copilot, MCP) reads them through here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from crumbs import contract
from crumbs.app.query import parse_time_option, store_clock
from crumbs.errors import NotFoundError, UsageError
from crumbs.model import StoredLog
from crumbs.report.shapes import log_ref
from crumbs.store import Store

MOST_LINES = 2000
"""Lines returned at the most (the newest), after --grep."""


@dataclass(frozen=True)
class LogQuery:
    pod: str
    namespace: str | None = None
    container: str | None = None
    previous: bool | None = None
    at: int | None = None
    grep: str | None = None
    cluster: str | None = None
    most: int = MOST_LINES


def pod_logs(store: Store, q: LogQuery) -> tuple[str, list[StoredLog]]:
    """(the namespace, the chunks kept of the pod), oldest first, lines filtered by ``grep``
    and bounded to the newest ``most``; the namespace found when not given (one only)."""
    pattern = _compile(q.grep)
    namespace = q.namespace
    if namespace is None:
        places = store.queries.log_namespaces(q.pod, q.cluster)
        if not places:
            raise NotFoundError(f"no logs of a pod {q.pod} in the store")
        if len(places) > 1:
            raise UsageError(
                f"pod {q.pod} has logs in several namespaces ({', '.join(places)}): give -n"
            )
        namespace = places[0]
    chunks = store.queries.logs_of(namespace, q.pod, q.container, q.cluster, q.at)
    if q.previous is not None:
        chunks = [c for c in chunks if c.previous is q.previous]
    if not chunks:
        what = f"{namespace}/{q.pod}" + (f" container {q.container}" if q.container else "")
        raise NotFoundError(
            f"no logs of {what}" + (" (previous)" if q.previous else "") + " in the store"
        )
    out: list[StoredLog] = []
    budget = q.most
    for c in reversed(chunks):
        lines = c.text.split("\n")
        if pattern is not None:
            lines = [line for line in lines if pattern.search(line)]
        lines = lines[-budget:] if budget > 0 else []
        budget -= len(lines)
        out.append(replace(c, text="\n".join(lines), lines=len(lines)))
    return namespace, out[::-1]


def _compile(grep: str | None) -> re.Pattern[str] | None:
    if not grep:
        return None
    try:
        return re.compile(grep)
    except re.error as err:
        raise UsageError(f"--grep {grep!r}: {err}") from None


def query(
    store: Store,
    pod: str,
    namespace: str | None = None,
    container: str | None = None,
    previous: bool = False,
    at: str | None = None,
    grep: str | None = None,
    cluster: str | None = None,
    most: int = MOST_LINES,
) -> LogQuery:
    """A query from what a user types: ``NAME``, ``pod/NAME`` or ``NS/NAME``; ``at`` as a time or
    a duration before the store's clock."""
    name = pod.removeprefix("pod/").removeprefix("pods/")
    if "/" in name:
        ns, _, name = name.partition("/")
        if namespace is not None and namespace != ns:
            raise UsageError(f"{pod}: the namespace is {ns}, -n says {namespace}")
        namespace = ns
    when = parse_time_option(at, "--at", store_clock(store)) if at else None
    return LogQuery(
        name, namespace, container, True if previous else None, when, grep, cluster, most
    )


def as_json(namespace: str, pod: str, chunks: list[StoredLog]) -> contract.Logs:
    """``crumbs logs -o json``."""
    return {"namespace": namespace, "pod": pod, "logs": [log_ref(c) for c in chunks]}
