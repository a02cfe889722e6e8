"""Read queries over the store. Every SQL ``SELECT`` of Crumbs lives here.

Times are nanoseconds; windows are inclusive of both ends. Results come in
time order (``at``, then revision id, which is insertion order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from crumbs.model import (
    AuditRecord,
    ObjectKey,
    Origin,
    RevisionType,
    StoredEvent,
    StoredLog,
    StoredRelease,
    StoredRevision,
)
from crumbs.store.codec import Decoder, unpack_text
from crumbs.store.dbapi import Connection
from crumbs.timeutil import parse_time

_REVISION_COLUMNS = "r.id, r.object, r.at, r.type, b.dict, b.data, c.name, o.grp, o.kind, o.namespace, o.name, o.uid, r.origin"
_REVISION_JOINS = "JOIN blobs b ON b.digest = r.blob JOIN objects o ON o.id = r.object JOIN clusters c ON c.id = o.cluster"
_EVENT_COLUMNS = "e.id, e.at, e.type, e.reason, e.message, e.count, e.source, e.first_at, c.name, o.grp, o.kind, o.namespace, o.name, o.uid"


@dataclass(frozen=True, slots=True)
class Selector:
    """Which objects a query is about; ``None`` means any."""

    cluster: str | None = None
    namespace: str | None = None
    kinds: Sequence[tuple[str | None, str]] | None = None
    """(group, kind) pairs; a ``None`` group matches the kind in any group."""
    name: str | None = None

    def where(self, params: list[object]) -> str:
        """SQL conditions on ``o`` (objects) and ``c`` (clusters), params appended."""
        parts: list[str] = []
        if self.cluster is not None:
            parts.append("c.name = ?")
            params.append(self.cluster)
        if self.namespace is not None:
            parts.append("o.namespace = ?")
            params.append(self.namespace)
        if self.name is not None:
            parts.append("o.name = ?")
            params.append(self.name)
        if self.kinds is not None:
            # as lists of values, not one OR per kind: any number of kinds makes a shallow query
            pairs = sorted({(g, k) for g, k in self.kinds if g is not None})
            anywhere = sorted({k for g, k in self.kinds if g is None})
            alternatives = []
            if anywhere:
                alternatives.append(f"o.kind IN ({', '.join('?' * len(anywhere))})")
                params.extend(anywhere)
            if pairs:
                alternatives.append(
                    f"(o.grp, o.kind) IN (VALUES {', '.join(['(?, ?)'] * len(pairs))})"
                )
                params.extend(x for pair in pairs for x in pair)
            parts.append("(" + (" OR ".join(alternatives) or "FALSE") + ")")
        return " AND ".join(parts) or "TRUE"


class Queries:
    def __init__(
        self,
        db: Connection,
        decoder: Decoder,
        redact_text: Callable[[str], str] | None = None,
    ) -> None:
        self.db = db
        self.decoder = decoder
        self._text = redact_text or _same

    # -- revisions ---------------------------------------------------------

    def _revisions(
        self, rows: Iterable[tuple[Any, ...]], lazy: bool = False
    ) -> Iterator[StoredRevision]:
        """Rows to revisions; ``lazy``: each document is decoded when first read."""
        decode, raw = self.decoder.decode, self.decoder.raw
        types = {int(t): t for t in RevisionType}
        origins = {int(o): o for o in Origin}
        for rid, oid, at, rtype, dict_id, data, cluster, grp, kind, ns, name, uid, origin in rows:
            key = ObjectKey(cluster, grp, kind, ns, name)
            if lazy:
                yield StoredRevision(
                    rid, oid, key, uid, at, types[rtype], None, 0, partial(raw, dict_id, data),
                    origins[origin],
                )  # fmt: skip
            else:
                yield StoredRevision(
                    rid, oid, key, uid, at, types[rtype], decode(dict_id, data), 0, None,
                    origins[origin],
                )  # fmt: skip

    def history(self, sel: Selector) -> list[StoredRevision]:
        """Every revision of the selected objects, all incarnations, oldest first, numbered;
        each document decoded when first read (a long history is often read for a few)."""
        params: list[object] = []
        cond = sel.where(params)
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster "
            f"JOIN revisions r ON r.object = o.id JOIN blobs b ON b.digest = r.blob "
            f"WHERE {cond} ORDER BY r.at, r.id",
            params,
        )
        out = []
        counters: dict[ObjectKey, int] = {}
        for rev in self._revisions(rows, lazy=True):
            n = counters.get(rev.key, 0) + 1
            counters[rev.key] = n
            out.append(_with_ordinal(rev, n))
        return out

    def history_window(
        self, sel: Selector, start: int, end: int
    ) -> tuple[list[StoredRevision], StoredRevision | None]:
        """The revisions of one object (all incarnations) in [start, end], numbered as in its
        whole history, and the revision just before ``start``: what reading a window costs,
        whatever the length of the history. Documents are decoded when first read."""
        params: list[object] = []
        cond = sel.where(params)
        base = (
            "FROM objects o JOIN clusters c ON c.id = o.cluster JOIN revisions r ON r.object = o.id "
            f"WHERE {cond}"
        )
        before = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE {cond} AND r.at < ? "
            "ORDER BY r.at DESC, r.id DESC LIMIT 1",
            [*params, start],
        ).fetchall()
        offset = self.db.execute(
            f"SELECT count(*) {base} AND r.at < ?", [*params, start]
        ).fetchone()[0]
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE {cond} "
            "AND r.at >= ? AND r.at <= ? ORDER BY r.at, r.id",
            [*params, start, end],
        )
        window = [
            _with_ordinal(rev, offset + i)
            for i, rev in enumerate(self._revisions(rows, lazy=True), 1)
        ]
        previous = next(self._revisions(before, lazy=True), None)
        return window, _with_ordinal(previous, offset) if previous is not None else None

    def between(
        self, start: int | None, end: int | None, sel: Selector = Selector()
    ) -> list[StoredRevision]:
        """Revisions whose ``at`` falls in [start, end], oldest first."""
        params: list[object] = []
        time_cond = window("r.at", start, end, params)
        cond = sel.where(params)
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE {time_cond} AND {cond} ORDER BY r.at, r.id",
            params,
        )
        return list(self._revisions(rows))

    def newest_between(
        self,
        start: int | None,
        end: int | None,
        sel: Selector,
        limit: int,
        below: tuple[int, int] | None = None,
    ) -> list[StoredRevision]:
        """The newest ``limit`` revisions in [start, end] (before ``below``, an ``(at, id)``
        keyset), newest first: a page of a long window without reading the rest of it."""
        params: list[object] = []
        time_cond = window("r.at", start, end, params)
        cond = sel.where(params)
        keyset = ""
        if below is not None:
            keyset = " AND (r.at < ? OR (r.at = ? AND r.id < ?))"
            params += [below[0], below[0], below[1]]
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE {time_cond} AND {cond}{keyset} "
            "ORDER BY r.at DESC, r.id DESC LIMIT ?",
            [*params, limit],
        )
        return list(self._revisions(rows))

    def counts_by_time(
        self, start: int, end: int, sel: Selector, buckets: int
    ) -> tuple[int, list[int], list[int]]:
        """Revisions and Events per bucket of [start, end] (``buckets`` of equal width): what
        a window holds, counted without reading a document. Returns the width and both counts."""
        width = max(1, (end - start) // buckets + 1)
        out: list[list[int]] = [[0] * buckets, [0] * buckets]
        for i, (table, alias) in enumerate((("revisions", "r"), ("events", "e"))):
            params: list[object] = [start, width]
            time_cond = window(f"{alias}.at", start, end, params)
            cond = sel.where(params)
            rows = self.db.execute(
                f"SELECT ({alias}.at - ?) / ?, count(*) FROM {table} {alias} JOIN objects o ON o.id = {alias}.object "
                f"JOIN clusters c ON c.id = o.cluster WHERE {time_cond} AND {cond} GROUP BY 1",
                params,
            )
            for bucket, n in rows:
                if 0 <= bucket < buckets:
                    out[i][bucket] += n
        return width, out[0], out[1]

    def previous(self, rev: StoredRevision) -> StoredRevision | None:
        """The revision of the same object (same uid) just before ``rev``."""
        row = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} "
            "WHERE r.object = ? AND (r.at < ? OR (r.at = ? AND r.id < ?)) ORDER BY r.at DESC, r.id DESC LIMIT 1",
            (rev.object_id, rev.at, rev.at, rev.id),
        ).fetchall()
        return next(self._revisions(row), None)

    def state_at(
        self,
        at: int,
        sel: Selector = Selector(),
        include_deleted: bool = False,
        ordered: bool = True,
        lazy: bool = False,
        live: bool = False,
    ) -> list[StoredRevision]:
        """Time travel: each selected object as it was at ``at`` (deleted ones left out, unless asked for).

        ``ordered``: by namespace, kind and name (else in storage order, faster);
        ``lazy``: documents are decoded when first read; ``live``: what ran in a cluster
        only (declared manifests left out).
        """
        params: list[object] = [at]
        cond = sel.where(params)
        declared = f" AND r.origin != {int(Origin.DECLARED)}" if live else ""
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster "
            "JOIN revisions r ON r.id = (SELECT id FROM revisions WHERE object = o.id AND at <= ? "
            "ORDER BY at DESC, id DESC LIMIT 1) "
            f"JOIN blobs b ON b.digest = r.blob WHERE r.type != {-1 if include_deleted else int(RevisionType.DELETED)}{declared} AND {cond} "
            + ("ORDER BY o.namespace, o.kind, o.name" if ordered else ""),
            params,
        )
        return list(self._revisions(rows, lazy))

    def unobserved_at(self, at: int, sel: Selector = Selector()) -> list[StoredRevision]:
        """Objects that existed at ``at`` but were first observed later: each one's first
        revision, when its ``creationTimestamp`` is at or before ``at`` (its spec then is
        unknown, unless reconstructed). Declared manifests are not among them."""
        params: list[object] = [at]
        cond = sel.where(params)
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster "
            "JOIN revisions r ON r.id = (SELECT id FROM revisions WHERE object = o.id ORDER BY at, id LIMIT 1) "
            f"JOIN blobs b ON b.digest = r.blob WHERE r.at > ? AND r.origin != {int(Origin.DECLARED)} "
            f"AND {cond} ORDER BY o.namespace, o.kind, o.name",
            params,
        )
        out = []
        for rev in self._revisions(rows, lazy=True):
            created = rev.doc.get("metadata", {}).get("creationTimestamp")
            born = parse_time(created) if isinstance(created, str) else None
            if born is not None and born <= at:
                out.append(rev)
        return out

    def deleted_between(
        self, start: int | None, end: int | None, sel: Selector = Selector()
    ) -> list[StoredRevision]:
        """Deletions in [start, end], oldest first (the object as it was when deleted)."""
        params: list[object] = []
        time_cond = window("r.at", start, end, params)
        cond = sel.where(params)
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} "
            f"WHERE r.type = {int(RevisionType.DELETED)} AND {time_cond} AND {cond} ORDER BY r.at, r.id",
            params,
        )
        return list(self._revisions(rows))

    def revision(self, revision_id: int) -> StoredRevision | None:
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE r.id = ?",
            (revision_id,),
        )
        return next(self._revisions(rows), None)

    def cited_object(self, letter: str, ident: int) -> ObjectKey | None:
        """The object a citation points at: ``R`` a revision's, ``E`` an event's, ``L`` the pod
        whose log capture it is."""
        sql = {
            "R": "SELECT c.name, o.grp, o.kind, o.namespace, o.name FROM revisions r JOIN objects o ON o.id = r.object "
            "JOIN clusters c ON c.id = o.cluster WHERE r.id = ?",
            "E": "SELECT c.name, o.grp, o.kind, o.namespace, o.name FROM events e JOIN objects o ON o.id = e.object "
            "JOIN clusters c ON c.id = o.cluster WHERE e.id = ?",
            "L": "SELECT c.name, '', 'Pod', l.namespace, l.pod FROM logs l JOIN clusters c ON c.id = l.cluster WHERE l.id = ?",
        }.get(letter)
        row = self.db.execute(sql, (ident,)).fetchone() if sql else None
        return ObjectKey(*row) if row else None

    # -- events --------------------------------------------------------------

    def events(
        self,
        start: int | None,
        end: int | None,
        sel: Selector = Selector(),
        newest: int | None = None,
    ) -> list[StoredEvent]:
        """Events of the selected objects in [start, end], oldest first; with ``newest``, only
        the newest that many, newest first (a page of a long window)."""
        params: list[object] = []
        time_cond = window("e.at", start, end, params)
        cond = sel.where(params)
        order = "ORDER BY e.at, e.id" if newest is None else "ORDER BY e.at DESC, e.id DESC LIMIT ?"
        rows = self.db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events e JOIN objects o ON o.id = e.object JOIN clusters c ON c.id = o.cluster "
            f"WHERE {time_cond} AND {cond} {order}",
            [*params, newest] if newest is not None else params,
        )
        return [
            StoredEvent(
                eid,
                ObjectKey(cl, grp, kind, ns, name),
                uid,
                at,
                etype,
                reason,
                self._text(msg),
                count,
                source,
                first,
            )
            for eid, at, etype, reason, msg, count, source, first, cl, grp, kind, ns, name, uid in rows
        ]

    # -- container logs --------------------------------------------------------

    def log_namespaces(self, pod: str, cluster: str | None = None) -> list[str]:
        """The namespaces holding logs of a pod of this name."""
        sql = "SELECT DISTINCT l.namespace FROM logs l JOIN clusters c ON c.id = l.cluster WHERE l.pod = ?"
        params: list[object] = [pod]
        if cluster is not None:
            sql += " AND c.name = ?"
            params.append(cluster)
        return [row[0] for row in self.db.execute(sql + " ORDER BY 1", params)]

    def log_captures(
        self,
        start: int | None,
        end: int | None,
        namespace: str | None = None,
        cluster: str | None = None,
    ) -> list[StoredLog]:
        """The log chunks captured in [start, end] (their lines left out), oldest first: for timelines."""
        cond, params = ["1 = 1"], []
        for clause, value in (("l.observed_at >= ?", start), ("l.observed_at <= ?", end),
                              ("l.namespace = ?", namespace), ("c.name = ?", cluster)):  # fmt: skip
            if value is not None:
                cond.append(clause)
                params.append(value)
        rows = self.db.execute(
            "SELECT l.id, c.name, l.namespace, l.pod, l.container, l.previous, l.first_at, l.last_at, l.observed_at, "
            "l.lines, l.raw_bytes, l.source, l.pod_uid, l.restarts FROM logs l JOIN clusters c ON c.id = l.cluster "
            f"WHERE {' AND '.join(cond)} ORDER BY l.observed_at, l.id",
            params,
        )
        return [StoredLog(lid, cl, ns, p, cont, None if prev is None else bool(prev), first, last, seen, n, raw, src, "", uid, restarts)
                for lid, cl, ns, p, cont, prev, first, last, seen, n, raw, src, uid, restarts in rows]  # fmt: skip

    def logs_of(
        self,
        namespace: str,
        pod: str | None,
        container: str | None = None,
        cluster: str | None = None,
        end: int | None = None,
    ) -> list[StoredLog]:
        """The log chunks kept of a pod (of one container), captured up to ``end``, oldest first."""
        params: list[object] = [namespace]
        cond = "l.namespace = ?"
        if pod is not None:
            cond += " AND l.pod = ?"
            params.append(pod)
        if container is not None:
            cond += " AND l.container = ?"
            params.append(container)
        if cluster is not None:
            cond += " AND c.name = ?"
            params.append(cluster)
        if end is not None:
            cond += " AND l.observed_at <= ?"
            params.append(end)
        rows = self.db.execute(
            "SELECT l.id, c.name, l.namespace, l.pod, l.container, l.previous, l.first_at, l.last_at, l.observed_at, "
            f"l.lines, l.raw_bytes, l.source, l.data, l.pod_uid, l.restarts FROM logs l JOIN clusters c ON c.id = l.cluster WHERE {cond} "
            "ORDER BY l.observed_at, l.id",
            params,
        )
        return [
            StoredLog(
                lid,
                cl,
                ns,
                p,
                cont,
                None if prev is None else bool(prev),
                first,
                last,
                seen,
                n,
                raw,
                src,
                unpack_text(data),
                uid,
                restarts,
            )  # fmt: skip
            for lid, cl, ns, p, cont, prev, first, last, seen, n, raw, src, data, uid, restarts in rows
        ]

    # -- audit logs ------------------------------------------------------------

    def audit(
        self, start: int | None, end: int | None, sel: Selector = Selector()
    ) -> list[AuditRecord]:
        """Audit records of the selected objects in [start, end], oldest first."""
        params: list[object] = []
        time_cond = window("a.at", start, end, params)
        cond = sel.where(params)
        rows = self.db.execute(
            'SELECT c.name, o.grp, o.kind, o.namespace, o.name, o.uid, a.at, a.verb, a."user", a.groups, a.source_ips, '
            "a.user_agent, a.code, a.audit_id, a.subresource, a.resource_version FROM audit a JOIN objects o ON o.id = a.object "
            f"JOIN clusters c ON c.id = o.cluster WHERE {time_cond} AND {cond} ORDER BY a.at, a.id",
            params,
        )
        out = []
        for (
            cl,
            g,
            k,
            ns,
            nm,
            uid,
            at,
            verb,
            user,
            groups,
            ips,
            agent,
            code,
            audit_id,
            sub,
            rv,
        ) in rows:
            out.append(
                AuditRecord(
                    ObjectKey(cl, g, k, ns, nm), uid, at, verb, user, tuple(filter(None, groups.split("\n"))),
                    tuple(filter(None, ips.split("\n"))), agent, code, audit_id, sub, rv,
                )
            )  # fmt: skip
        return out

    # -- Helm ------------------------------------------------------------------

    def releases(
        self,
        namespace: str | None = None,
        name: str | None = None,
        cluster: str | None = None,
        at: int | None = None,
    ) -> list[StoredRelease]:
        """Helm release revisions, each as last recorded (at or before ``at``), by release then revision."""
        params: list[object] = []
        conds = []
        for column, value in (("c.name", cluster), ("r.namespace", namespace), ("r.name", name)):
            if value is not None:
                conds.append(f"{column} = ?")
                params.append(value)
        if at is not None:
            conds.append("r.at <= ?")
            params.append(at)
        rows = self.db.execute(
            "SELECT r.id, c.name, r.namespace, r.name, r.revision, r.status, r.chart, r.chart_version, r.app_version, "
            "r.at, r.first_deployed, r.description, r.storage, b.dict, b.data FROM releases r "
            "JOIN clusters c ON c.id = r.cluster JOIN blobs b ON b.digest = r.blob "
            f"WHERE {' AND '.join(conds) or 'TRUE'} ORDER BY c.name, r.namespace, r.name, r.revision, r.at, r.id",
            params,
        )
        latest: dict[tuple[str, str, str, int], StoredRelease] = {}
        for (
            rid,
            cl,
            ns,
            nm,
            rev,
            status,
            chart,
            cv,
            av,
            t,
            first,
            desc,
            storage,
            dict_id,
            data,
        ) in rows:
            payload = self.decoder.decode(dict_id, data)
            latest[(cl, ns, nm, rev)] = StoredRelease(rid, cl, ns, nm, rev, status, chart, cv, av, t, first, desc, storage, payload)  # fmt: skip
        return list(latest.values())

    # -- in id order, for shipping (crumbs.ship) ----------------------------------

    def revisions_after(self, after: int, limit: int) -> list[StoredRevision]:
        """Revisions stored after id ``after``, in id (storage) order."""
        rows = self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions r {_REVISION_JOINS} WHERE r.id > ? ORDER BY r.id LIMIT ?",
            (after, limit),
        )
        return list(self._revisions(rows, lazy=True))  # shipped as the stored JSON, never decoded

    def events_after(self, after: int, limit: int) -> list[StoredEvent]:
        rows = self.db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events e JOIN objects o ON o.id = e.object JOIN clusters c ON c.id = o.cluster "
            "WHERE e.id > ? ORDER BY e.id LIMIT ?",
            (after, limit),
        )
        return [StoredEvent(eid, ObjectKey(cl, grp, kind, ns, name), uid, at, etype, reason, self._text(msg), count, source, first)
                for eid, at, etype, reason, msg, count, source, first, cl, grp, kind, ns, name, uid in rows]  # fmt: skip

    def releases_after(self, after: int, limit: int) -> list[StoredRelease]:
        rows = self.db.execute(
            "SELECT r.id, c.name, r.namespace, r.name, r.revision, r.status, r.chart, r.chart_version, r.app_version, "
            "r.at, r.first_deployed, r.description, r.storage, b.dict, b.data FROM releases r "
            "JOIN clusters c ON c.id = r.cluster JOIN blobs b ON b.digest = r.blob WHERE r.id > ? ORDER BY r.id LIMIT ?",
            (after, limit),
        )
        return [StoredRelease(rid, cl, ns, nm, rev, status, chart, cv, av, t, first, desc, storage, self.decoder.decode(d, data))
                for rid, cl, ns, nm, rev, status, chart, cv, av, t, first, desc, storage, d, data in rows]  # fmt: skip

    def audit_after(self, after: int, limit: int) -> list[tuple[int, AuditRecord]]:
        rows = self.db.execute(
            'SELECT a.id, c.name, o.grp, o.kind, o.namespace, o.name, o.uid, a.at, a.verb, a."user", a.groups, a.source_ips, '
            "a.user_agent, a.code, a.audit_id, a.subresource, a.resource_version FROM audit a JOIN objects o ON o.id = a.object "
            "JOIN clusters c ON c.id = o.cluster WHERE a.id > ? ORDER BY a.id LIMIT ?",
            (after, limit),
        )
        return [(aid, AuditRecord(ObjectKey(cl, g, k, ns, nm), uid, at, verb, user, tuple(filter(None, groups.split("\n"))),
                                  tuple(filter(None, ips.split("\n"))), agent, code, audit_id, sub, rv))
                for aid, cl, g, k, ns, nm, uid, at, verb, user, groups, ips, agent, code, audit_id, sub, rv in rows]  # fmt: skip

    def logs_after(self, after: int, limit: int) -> list[StoredLog]:
        rows = self.db.execute(
            "SELECT l.id, c.name, l.namespace, l.pod, l.container, l.previous, l.first_at, l.last_at, l.observed_at, "
            "l.lines, l.raw_bytes, l.source, l.data, l.pod_uid, l.restarts FROM logs l JOIN clusters c ON c.id = l.cluster "
            "WHERE l.id > ? ORDER BY l.id LIMIT ?",
            (after, limit),
        )
        return [StoredLog(lid, cl, ns, p, cont, None if prev is None else bool(prev), first, last, seen, n, raw, src,
                          unpack_text(data), uid, restarts)
                for lid, cl, ns, p, cont, prev, first, last, seen, n, raw, src, data, uid, restarts in rows]  # fmt: skip

    # -- the store as a whole ------------------------------------------------

    def has_revisions(self) -> bool:
        """Whether the store holds any object revision at all."""
        return self.db.execute("SELECT 1 FROM revisions LIMIT 1").fetchone() is not None

    def latest_time(self) -> int | None:
        """The store's clock: the newest time it has observed, revisions, events, node events and
        log captures alike (declared manifests do not move it)."""
        times = [
            t
            for query in (
                f"SELECT at FROM revisions WHERE origin != {int(Origin.DECLARED)} ORDER BY at DESC LIMIT 1",
                "SELECT max(at) FROM events",
                "SELECT max(last_at) FROM node_event_chunks",
                "SELECT max(observed_at) FROM logs",
            )
            if (row := self.db.execute(query).fetchone()) is not None and (t := row[0]) is not None
        ]
        if not times:  # only manifests: their time is all there is
            row = self.db.execute("SELECT max(at) FROM revisions").fetchone()
            return int(row[0]) if row and row[0] is not None else None
        return int(max(times))

    def earliest_time(self) -> int | None:
        first = self.db.execute("SELECT min(at) FROM revisions").fetchone()[0]
        return int(first) if first is not None else None

    def newest_by_cluster(self) -> dict[str, int]:
        """Each cluster's newest observed revision time (what ``/metrics`` reports as freshness)."""
        rows = self.db.execute(
            "SELECT c.name, max(r.at) FROM revisions r JOIN objects o ON o.id = r.object "
            f"JOIN clusters c ON c.id = o.cluster WHERE r.origin != {int(Origin.DECLARED)} GROUP BY c.name"
        )
        return {name: int(at) for name, at in rows if at is not None}

    def clusters(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM clusters ORDER BY name")]

    def namespaces_of(self, sel: Selector) -> list[str]:
        """The namespaces holding objects that match ``sel``."""
        params: list[object] = []
        cond = sel.where(params)
        rows = self.db.execute(
            f"SELECT DISTINCT o.namespace FROM objects o JOIN clusters c ON c.id = o.cluster WHERE {cond} "
            "AND EXISTS (SELECT 1 FROM revisions r WHERE r.object = o.id) ORDER BY o.namespace",
            params,
        )
        return [r[0] for r in rows]

    def kinds_present(self) -> list[tuple[str, str]]:
        return [
            (g, k)
            for g, k in self.db.execute("SELECT DISTINCT grp, kind FROM objects ORDER BY kind, grp")
        ]

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "objects": one("SELECT count(*) FROM objects").fetchone()[0],
            "revisions": one("SELECT count(*) FROM revisions").fetchone()[0],
            "documents": one("SELECT count(*) FROM blobs").fetchone()[0],
            "events": one("SELECT count(*) FROM events").fetchone()[0],
            "releases": one("SELECT count(*) FROM releases").fetchone()[0],
            "audit": one("SELECT count(*) FROM audit").fetchone()[0],
            "logs": one("SELECT count(*) FROM logs").fetchone()[0],
        }


def _same(text: str) -> str:
    return text


def window(
    column: str, start: int | None, end: int | None, params: list[object], ends: str | None = None
) -> str:
    """SQL for ``column`` in [start, end]; with ``ends``, for a span [column, ends] overlapping it."""
    parts = []
    if start is not None:
        parts.append(f"{ends or column} >= ?")
        params.append(start)
    if end is not None:
        parts.append(f"{column} <= ?")
        params.append(end)
    return " AND ".join(parts) or "TRUE"


def _with_ordinal(rev: StoredRevision, n: int) -> StoredRevision:
    return rev.with_ordinal(n)
