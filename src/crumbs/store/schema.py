"""The store's schema, as named forward migrations applied in order.

A migration is never edited once released: a change to the schema is a new
migration appended to :data:`MIGRATIONS`. A store that records a migration this
list does not hold was written by a newer Crumbs and is not opened.
"""

from __future__ import annotations

from collections.abc import Callable

from crumbs.store.dbapi import Connection

Migration = tuple[str, Callable[[Connection], None]]


def run_script(db: Connection, script: str) -> None:
    """Statements one at a time: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def _initial(db: Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE clusters (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        -- One row per incarnation of an object: a re-created object is a new uid.
        CREATE TABLE objects (
            id INTEGER PRIMARY KEY,
            cluster INTEGER NOT NULL REFERENCES clusters(id),
            grp TEXT NOT NULL,
            kind TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            uid TEXT NOT NULL,
            UNIQUE (cluster, grp, kind, namespace, name, uid)
        );
        CREATE INDEX objects_by_namespace ON objects (namespace, kind);
        -- zstd dictionaries trained on the store's own documents.
        CREATE TABLE dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
        -- Documents, stored once per content (digest = sha256 of canonical JSON, 16 bytes).
        CREATE TABLE blobs (
            digest BLOB PRIMARY KEY,
            dict INTEGER REFERENCES dictionaries(id),
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        -- Append-only: rows are only ever inserted.
        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            object INTEGER NOT NULL REFERENCES objects(id),
            at INTEGER NOT NULL,
            type INTEGER NOT NULL,
            blob BLOB NOT NULL REFERENCES blobs(digest)
        );
        CREATE INDEX revisions_by_object ON revisions (object, at);
        CREATE INDEX revisions_by_time ON revisions (at);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            object INTEGER NOT NULL REFERENCES objects(id),
            at INTEGER NOT NULL,
            type TEXT NOT NULL,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            count INTEGER NOT NULL,
            source TEXT NOT NULL,
            first_at INTEGER,
            digest BLOB NOT NULL UNIQUE
        );
        CREATE INDEX events_by_object ON events (object, at);
        CREATE INDEX events_by_time ON events (at);
        """,
    )


def _helm_releases(db: Connection) -> None:
    run_script(
        db,
        """
        -- Helm release revisions decoded from their storage Secrets; values and
        -- manifest (redacted) in a blob: {"values", "defaults", "manifest": [...]}.
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            cluster INTEGER NOT NULL REFERENCES clusters(id),
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            revision INTEGER NOT NULL,
            status TEXT NOT NULL,
            chart TEXT NOT NULL,
            chart_version TEXT NOT NULL,
            app_version TEXT NOT NULL,
            at INTEGER NOT NULL,
            first_deployed INTEGER,
            description TEXT NOT NULL,
            storage TEXT NOT NULL,
            blob BLOB NOT NULL REFERENCES blobs(digest),
            UNIQUE (cluster, namespace, name, revision, status, blob)
        );
        CREATE INDEX releases_by_name ON releases (namespace, name, revision);
        """,
    )


def _audit(db: Connection) -> None:
    run_script(
        db,
        """
        -- Mutating requests from audit logs: who changed an object, from where, with what.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            object INTEGER NOT NULL REFERENCES objects(id),
            at INTEGER NOT NULL,
            verb TEXT NOT NULL,
            user TEXT NOT NULL,
            groups TEXT NOT NULL,
            source_ips TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            code INTEGER NOT NULL,
            subresource TEXT NOT NULL,
            resource_version TEXT NOT NULL,
            audit_id TEXT NOT NULL UNIQUE
        );
        CREATE INDEX audit_by_object ON audit (object, at);
        CREATE INDEX audit_by_time ON audit (at);
        """,
    )


def _watch_status(db: Connection) -> None:
    run_script(
        db,
        """
        -- What `crumbs watch` knows of each resource it follows (for `crumbs status`).
        CREATE TABLE watch_status (
            cluster TEXT NOT NULL,
            resource TEXT NOT NULL,            -- deployments.apps
            kind TEXT NOT NULL,
            state TEXT NOT NULL,               -- listing, watching, retrying, forbidden, gone, stopped
            resource_version TEXT NOT NULL,
            last_event_at INTEGER,
            last_contact_at INTEGER,
            events INTEGER NOT NULL,
            lists INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (cluster, resource)
        );
        """,
    )


def _traces(db: Connection) -> None:
    run_script(
        db,
        """
        -- Copilot runs (crumbs ask, why --explain) and every step of each: what the model
        -- was given, what it answered, which tools it called and what they returned.
        CREATE TABLE traces (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            question TEXT NOT NULL,
            mode TEXT NOT NULL,                -- offline, model, replay
            model TEXT NOT NULL,
            params TEXT NOT NULL,              -- JSON: endpoint, temperature, budget...
            system_hash TEXT NOT NULL,
            store_at INTEGER,                  -- the store's clock when it ran
            answer TEXT NOT NULL,
            status TEXT NOT NULL,              -- ok, error, stopped
            error TEXT NOT NULL,
            tokens_in INTEGER NOT NULL,
            tokens_out INTEGER NOT NULL,
            cost REAL,
            latency_ms INTEGER NOT NULL,
            replay_of INTEGER REFERENCES traces(id)
        );
        CREATE TABLE trace_steps (
            trace INTEGER NOT NULL REFERENCES traces(id),
            n INTEGER NOT NULL,
            kind TEXT NOT NULL,                -- system, user, request, response, tool_call, tool_result, answer
            name TEXT NOT NULL,                -- the tool, or the model
            payload BLOB NOT NULL,             -- canonical JSON, zstd
            tokens INTEGER NOT NULL,
            latency_ms INTEGER NOT NULL,
            PRIMARY KEY (trace, n)
        ) WITHOUT ROWID;
        """,
    )


def _node_activity(db: Connection) -> None:
    run_script(
        db,
        """
        -- What ran and talked on nodes (crumbs agent, Tetragon, Inspektor Gadget, Hubble).
        -- Raw events in chunks (one per written batch), bounded: the oldest are pruned.
        -- Per-minute rollups stay.
        CREATE TABLE node_event_chunks (
            id INTEGER PRIMARY KEY,
            cluster INTEGER NOT NULL REFERENCES clusters(id),
            first_at INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            count INTEGER NOT NULL,
            data BLOB NOT NULL                 -- zstd(JSON [[1, values in crumbs.activity.PACKED order], ...])
        );
        CREATE INDEX node_event_chunks_by_time ON node_event_chunks (last_at, first_at);
        CREATE TABLE node_rollups (
            cluster INTEGER NOT NULL REFERENCES clusters(id),
            minute INTEGER NOT NULL,           -- ns, start of the minute
            node TEXT NOT NULL,
            type TEXT NOT NULL,
            namespace TEXT NOT NULL,
            pod TEXT NOT NULL,                 -- the pod's name, or "host", or the pod UID
            subject TEXT NOT NULL,
            result TEXT NOT NULL,
            count INTEGER NOT NULL,
            first_at INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            PRIMARY KEY (cluster, minute, node, type, namespace, pod, subject, result)
        ) WITHOUT ROWID;
        CREATE INDEX node_rollups_by_time ON node_rollups (minute);
        """,
    )


def _key_outside(db: Connection) -> None:
    """The salt that keyed Secret value digests leaves the store: digests are now keyed with the
    host key (crumbs.keys), kept outside. Digests written before stay (without the salt they
    cannot be tested); a value that changes across the switch shows as changed."""
    db.execute("DELETE FROM meta WHERE key = 'salt'")


def _watch_resume(db: Connection) -> None:
    run_script(
        db,
        """
        -- Where a restarted `crumbs watch` resumes each resource: the newest resourceVersion
        -- whose changes are all committed to this store (and the field selector it had).
        ALTER TABLE watch_status ADD COLUMN resume_version TEXT NOT NULL DEFAULT '';
        ALTER TABLE watch_status ADD COLUMN resume_selector TEXT NOT NULL DEFAULT '';
        """,
    )


def _revision_origin(db: Connection) -> None:
    run_script(
        db,
        """
        -- Where a revision's document comes from: 0 observed in a cluster (a watch, a list, a
        -- dump), 1 declared (a manifest: never live state), 2 reconstructed (a ReplicaSet's
        -- template standing for its Deployment at the time it was made).
        ALTER TABLE revisions ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;
        """,
    )


def _logs(db: Connection) -> None:
    run_script(
        db,
        """
        -- Lines containers wrote, as dumps and archives kept them: evidence of a pod and
        -- container. Secret-looking values are replaced (keyed digests) before they are stored.
        CREATE TABLE logs (
            id INTEGER PRIMARY KEY,
            cluster INTEGER NOT NULL REFERENCES clusters(id),
            namespace TEXT NOT NULL,
            pod TEXT NOT NULL,
            container TEXT NOT NULL,           -- '' when the source does not say
            previous INTEGER,                  -- 1 the previous container's, 0 the current's, NULL unsaid
            first_at INTEGER,                  -- the first and last times the lines carry (NULL: none)
            last_at INTEGER,
            observed_at INTEGER NOT NULL,      -- when they were captured (the snapshot's time)
            lines INTEGER NOT NULL,
            raw_bytes INTEGER NOT NULL,
            source TEXT NOT NULL,              -- the file (and line) they were read from
            digest BLOB NOT NULL,
            data BLOB NOT NULL,                -- zstd of the lines, newline-joined
            UNIQUE (cluster, namespace, pod, container, digest)
        );
        CREATE INDEX logs_by_pod ON logs (namespace, pod, container, observed_at);
        CREATE INDEX logs_by_time ON logs (observed_at);
        """,
    )


def _cluster_facts(db: Connection) -> None:
    run_script(
        db,
        """
        -- What `info` says of a cluster (its version, nodes, namespaces, deprecated APIs in
        -- use), computed once per change of the store: `stamp` is the newest revision and
        -- release ids it was computed from.
        CREATE TABLE cluster_facts (
            cluster INTEGER PRIMARY KEY REFERENCES clusters(id),
            stamp TEXT NOT NULL,
            at INTEGER NOT NULL,
            facts BLOB NOT NULL                -- JSON
        );
        """,
    )


def _log_keys(db: Connection) -> None:
    run_script(
        db,
        """
        -- A live capture knows the pod's uid and the container's restart count: which
        -- incarnation of the pod and which run of the container wrote the lines.
        ALTER TABLE logs ADD COLUMN pod_uid TEXT;
        ALTER TABLE logs ADD COLUMN restarts INTEGER;
        """,
    )


def _investigations(db: Connection) -> None:
    run_script(
        db,
        """
        -- An alert investigated (crumbs serve's webhook, crumbs investigate): the alert, the
        -- object its labels named, what was found as of its start, and every notification.
        CREATE TABLE investigations (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,         -- Alertmanager's: the same alert again
            alertname TEXT NOT NULL,
            status TEXT NOT NULL,              -- firing, resolved
            severity TEXT NOT NULL,
            cluster TEXT NOT NULL,
            namespace TEXT NOT NULL,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,              -- webhook, api
            outcome TEXT NOT NULL,             -- explained, unexplained, nothing, unmapped
            headline TEXT NOT NULL,
            result BLOB NOT NULL,              -- zstd(JSON: the investigation, crumbs.contract.Investigation)
            trace INTEGER REFERENCES traces(id)
        );
        CREATE INDEX investigations_fingerprint ON investigations (fingerprint, id);
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            investigation INTEGER NOT NULL REFERENCES investigations(id),
            destination TEXT NOT NULL,         -- its name in the configuration
            kind TEXT NOT NULL,                -- slack, teams, webhook
            state TEXT NOT NULL,               -- sent, failed
            attempts INTEGER NOT NULL,
            at INTEGER NOT NULL,
            error TEXT NOT NULL,
            thread TEXT NOT NULL,              -- slack: "CHANNEL TS" of the alert's first message
            latency_ms INTEGER NOT NULL        -- from the alert's receipt to this delivery
        );
        CREATE INDEX notifications_investigation ON notifications (investigation);
        """,
    )


def _shipping(db: Connection) -> None:
    run_script(
        db,
        """
        -- Shipping to and from a central store (watch --to, agent --to; serve's ingest): one
        -- row per (cluster, peer, role) for `crumbs status`.
        CREATE TABLE shipping (
            cluster TEXT NOT NULL,
            peer TEXT NOT NULL,                -- sender: the server's URL; receiver: 'ingest'
            role TEXT NOT NULL,                -- sender, receiver
            state TEXT NOT NULL,               -- shipping, retrying, refused, full, receiving
            pending INTEGER NOT NULL,          -- sender: records not yet delivered
            spool_bytes INTEGER NOT NULL,      -- sender: bytes the spool holds
            shipped INTEGER NOT NULL,          -- records delivered (sender) or received (receiver)
            lost INTEGER NOT NULL,             -- records dropped undelivered when the spool was full
            batches INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            last_ok_at INTEGER,                -- the last delivery or receipt (wall clock)
            newest_at INTEGER,                 -- the newest record time delivered or received
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (cluster, peer, role)
        )
        """,
    )


MIGRATIONS: list[Migration] = [
    ("0001_initial", _initial),
    ("0002_helm_releases", _helm_releases),
    ("0003_audit", _audit),
    ("0004_watch_status", _watch_status),
    ("0005_traces", _traces),
    ("0006_node_activity", _node_activity),
    ("0007_key_outside", _key_outside),
    ("0008_watch_resume", _watch_resume),
    ("0009_revision_origin", _revision_origin),
    ("0010_logs", _logs),
    ("0011_cluster_facts", _cluster_facts),
    ("0012_log_keys", _log_keys),
    ("0013_investigations", _investigations),
    ("0014_shipping", _shipping),
]
