"""Investigations and their notifications as the store keeps them (migration 0013)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from crumbs.errors import NotFoundError
from crumbs.store.codec import pack_text, unpack_bytes
from crumbs.store.dbapi import Connection
from crumbs.store.transaction import transaction


@dataclass(frozen=True)
class Row:
    id: int
    fingerprint: str
    alertname: str
    status: str
    severity: str
    cluster: str
    namespace: str
    starts_at: int
    ends_at: int | None
    received_at: int
    source: str
    outcome: str
    headline: str
    trace: int | None


@dataclass(frozen=True)
class Delivery:
    destination: str
    kind: str
    state: str
    attempts: int
    at: int
    error: str
    thread: str
    latency_ms: int


_COLUMNS = "id, fingerprint, alertname, status, severity, cluster, namespace, starts_at, ends_at, received_at, source, outcome, headline, trace"


def add(db: Connection, row: Row, result: Any) -> int:
    with transaction(db):
        cur = db.execute(
            "INSERT INTO investigations (fingerprint, alertname, status, severity, cluster, namespace, starts_at, "
            "ends_at, received_at, source, outcome, headline, result, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (row.fingerprint, row.alertname, row.status, row.severity, row.cluster, row.namespace, row.starts_at,
             row.ends_at, row.received_at, row.source, row.outcome, row.headline,
             pack_text(orjson.dumps(result, option=orjson.OPT_NON_STR_KEYS)), row.trace),
        )  # fmt: skip
        return int(cur.fetchall()[0][0])


def rows(db: Connection, limit: int = 50, fingerprint: str | None = None) -> list[Row]:
    where, params = ("WHERE fingerprint = ?", [fingerprint]) if fingerprint else ("", [])
    found = db.execute(
        f"SELECT {_COLUMNS} FROM investigations {where} ORDER BY id DESC LIMIT ?", [*params, limit]
    )
    return [Row(*r) for r in found]


def load(db: Connection, investigation: int) -> tuple[Row, Any]:
    r = db.execute(
        f"SELECT {_COLUMNS}, result FROM investigations WHERE id = ?", (investigation,)
    ).fetchone()
    if r is None:
        raise NotFoundError(
            f"investigation {investigation}: not in the store (crumbs investigations list)"
        )
    return Row(*r[:-1]), orjson.loads(unpack_bytes(r[-1]))


def deliver(db: Connection, investigation: int, d: Delivery) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO notifications (investigation, destination, kind, state, attempts, at, error, thread, latency_ms) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (
                investigation,
                d.destination,
                d.kind,
                d.state,
                d.attempts,
                d.at,
                d.error,
                d.thread,
                d.latency_ms,
            ),
        )


def deliveries(db: Connection, investigation: int) -> list[Delivery]:
    found = db.execute(
        "SELECT destination, kind, state, attempts, at, error, thread, latency_ms FROM notifications "
        "WHERE investigation = ? ORDER BY id",
        (investigation,),
    )
    return [Delivery(*r) for r in found]


def thread_of(db: Connection, fingerprint: str, destination: str) -> str:
    """The thread an alert's deliveries to ``destination`` went to ("" if none; the newest, in
    case its first was deleted and another begun): its later messages go there."""
    r = db.execute(
        "SELECT n.thread FROM notifications n JOIN investigations i ON i.id = n.investigation "
        "WHERE i.fingerprint = ? AND n.destination = ? AND n.state = 'sent' AND n.thread != '' ORDER BY n.id DESC LIMIT 1",
        (fingerprint, destination),
    ).fetchone()
    return str(r[0]) if r else ""


def counts(db: Connection) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Investigations by outcome, and notifications by (kind, state): ``/metrics``."""
    outcomes = {
        o: n for o, n in db.execute("SELECT outcome, count(*) FROM investigations GROUP BY 1")
    }
    sent = {
        (k, s): n
        for k, s, n in db.execute("SELECT kind, state, count(*) FROM notifications GROUP BY 1, 2")
    }
    return outcomes, sent


def seen(db: Connection, fingerprint: str, status: str, starts_at: int) -> bool:
    """Whether this alert was investigated in this state already (Alertmanager sends a group
    again and again while it fires: each alert is investigated once per firing and once resolved)."""
    r = db.execute(
        "SELECT 1 FROM investigations WHERE fingerprint = ? AND status = ? AND starts_at = ? LIMIT 1",
        (fingerprint, status, starts_at),
    ).fetchone()
    return r is not None
