"""The store as a source of cluster views for the analyzers (``crumbs.analyze.view.Source``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from crumbs.activity import NodeEvent
from crumbs.model import (
    AuditRecord,
    ObjectKey,
    StoredEvent,
    StoredLog,
    StoredRelease,
    StoredRevision,
)
from crumbs.store.activity import ActivityQueries
from crumbs.store.queries import Queries, Selector


class StoreSource:
    def __init__(
        self,
        queries: Queries,
        cluster: str | None = None,
        activity: ActivityQueries | None = None,
        kinds: Sequence[tuple[str | None, str]] | None = None,
    ) -> None:
        self.queries = queries
        self.activity = activity or ActivityQueries(queries.db)
        self.cluster = cluster
        self.kinds = kinds
        """Only these (group, kind) pairs in views (None: all): a view for one question."""

    def _of(self, key: ObjectKey) -> Selector:
        return Selector(
            cluster=key.cluster,
            namespace=key.namespace,
            kinds=[(key.group, key.kind)],
            name=key.name,
        )

    def objects_at(self, at: int, namespace: str | None = None) -> Sequence[StoredRevision]:
        return self.queries.state_at(
            at,
            Selector(cluster=self.cluster, namespace=namespace, kinds=self.kinds),
            ordered=False,
            lazy=True,
        )

    def history_of(self, key: ObjectKey) -> Sequence[StoredRevision]:
        return self.queries.history(self._of(key))

    def history_between(
        self, key: ObjectKey, start: int, end: int
    ) -> tuple[Sequence[StoredRevision], StoredRevision | None]:
        return self.queries.history_window(self._of(key), start, end)

    def events_between(
        self, start: int | None, end: int | None, namespace: str | None = None
    ) -> Sequence[StoredEvent]:
        return self.queries.events(start, end, Selector(cluster=self.cluster, namespace=namespace))

    def audit_of(self, key: ObjectKey) -> Sequence[AuditRecord]:
        return self.queries.audit(None, None, self._of(key))

    def releases_at(self, at: int) -> Sequence[StoredRelease]:
        return self.queries.releases(cluster=self.cluster, at=at)

    def deleted_between(
        self, start: int | None, end: int, namespace: str | None = None
    ) -> Sequence[StoredRevision]:
        return self.queries.deleted_between(
            start, end, Selector(cluster=self.cluster, namespace=namespace)
        )

    def kinds_seen(self) -> Collection[str]:
        return {kind for _, kind in self.queries.kinds_present()}

    def node_events(self, start: int | None, end: int | None) -> Sequence[NodeEvent]:
        return self.activity.events(start, end, cluster=self.cluster)

    def logs_of(self, namespace: str, pod: str | None, end: int) -> Sequence[StoredLog]:
        return self.queries.logs_of(namespace, pod, None, self.cluster, end)
