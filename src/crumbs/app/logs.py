"""The container logs the store keeps, as a reader asks for them: one pod (one container), the
previous container's, up to a time, the lines matching a pattern. Stored lines are already
redacted; every face (CLI, copilot, MCP) reads them through here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from crumbs.errors import NotFoundError, UsageError
from crumbs.model import StoredLog
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
