"""A fake Kubernetes API server that speaks the real protocol over HTTP.

What it serves, as kube-apiserver does:

- discovery: ``/api`` (APIVersions), ``/api/v1`` and ``/apis/{group}/{version}``
  (APIResourceList with verbs), ``/apis`` (APIGroupList with preferred versions),
  ``/version``;
- lists of a resource, cluster-wide or in a namespace: ``limit`` and ``continue``
  pagination over a consistent snapshot, ``metadata.resourceVersion``,
  ``remainingItemCount``; items without ``kind``/``apiVersion``, as typed lists
  have them; an expired continue token is a 410;
- watches (``watch=1``): chunked JSON lines from a resourceVersion, BOOKMARK
  events when ``allowWatchBookmarks`` is set, ``timeoutSeconds``, and a
  resourceVersion older than the compacted history is an ERROR event holding a
  410 Status, in a 200 response;
- single objects (GET of ``.../{plural}/{name}``);
- bearer-token authentication (401), RBAC refusals (403 Status, as the
  authorizer words them), 405 for every verb but GET (recorded: Crumbs must
  never send one).

Faults for the tests: a watch connection dropped every N events, a 410 in the
middle of a stream, slow responses, a restart of the whole server (same port,
same state), compaction of the history.

The cluster's state changes through :class:`FakeCluster` (create, update,
delete), which numbers every change with the next resourceVersion, as etcd does.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.kube_state import TOKEN, Change, FakeCluster, Faults, Resource, status

__all__ = ["TOKEN", "Change", "FakeAPIServer", "FakeCluster", "Faults", "Resource", "status"]


def field_match(obj: dict[str, Any], selector: str) -> bool:
    """A field selector as the API server reads it: ``a.b=v``, ``a.b==v``, ``a.b!=v``, comma-joined (all must hold)."""
    for term in filter(None, selector.split(",")):
        negate = "!=" in term
        path, _, want = term.partition("!=" if negate else "=")
        want = want.lstrip("=")
        value: Any = obj
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if ((value or "") == want) == negate:
            return False
    return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing -----------------------------------------------------------

    def _json(self, code: int, body: Any) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self) -> None:
        cluster = self.server.cluster
        with cluster.cond:
            cluster.requests.append((self.command, self.path))
        self._json(
            405,
            status(
                405,
                "MethodNotAllowed",
                f"the server does not allow this method on the requested resource ({self.command})",
            ),
        )

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse  # noqa: N815

    def do_GET(self) -> None:  # noqa: N802
        cluster = self.server.cluster
        with cluster.cond:
            cluster.requests.append(("GET", self.path))
            slow = cluster.faults.slow
        if slow:
            time.sleep(slow)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._json(401, status(401, "Unauthorized", "Unauthorized"))
            return
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(parts, q)

    def _route(self, parts: list[str], q: dict[str, str]) -> None:
        cluster = self.server.cluster
        if parts == ["version"]:
            self._json(
                200,
                {"major": "1", "minor": "30", "gitVersion": "v1.30.2", "platform": "linux/amd64"},
            )
        elif parts == ["api"]:
            self._json(
                200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
            )
        elif parts == ["apis"]:
            self._json(200, self._groups())
        elif parts == ["api", "v1"]:
            self._json(200, self._resource_list("", "v1"))
        elif len(parts) == 3 and parts[0] == "apis":
            found = self._resource_list(parts[1], parts[2])
            self._json(
                200 if found["resources"] else 404,
                found
                if found["resources"]
                else status(404, "NotFound", "the server could not find the requested resource"),
            )
        elif (
            len(parts) == 7
            and parts[:3] == ["api", "v1", "namespaces"]
            and parts[4] == "pods"
            and parts[6] == "log"
        ):
            self._pod_log(parts[3], parts[5], q)
        else:
            target = self._target(parts)
            if target is None:
                self._json(
                    404, status(404, "NotFound", "the server could not find the requested resource")
                )
                return
            res, namespace, name = target
            verb = "watch" if q.get("watch") in ("1", "true") else "get" if name else "list"
            if res.gr in cluster.forbidden:
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                self._json(
                    403,
                    status(
                        403,
                        "Forbidden",
                        f'{res.plural}{"." + res.group if res.group else ""} is forbidden: User "system:serviceaccount:crumbs:crumbs" cannot {verb} resource "{res.plural}" in API group "{res.group}" {scope}',
                        kind=res.plural,
                        group=res.group,
                    ),
                )
                return
            if verb == "watch":
                self._watch(res, namespace, q)
            elif verb == "list":
                self._list(res, namespace, q)
            else:
                obj = cluster.objects[res.gr].get((namespace or "", name or ""))
                if obj is None:
                    self._json(
                        404,
                        status(
                            404,
                            "NotFound",
                            f'{res.plural} "{name}" not found',
                            name=name,
                            kind=res.plural,
                        ),
                    )
                else:
                    self._json(200, obj)

    def _pod_log(self, namespace: str, name: str, q: dict[str, str]) -> None:
        """``GET pods/NAME/log`` as the API server answers it: text/plain, ``container``,
        ``previous``, ``tailLines``, ``limitBytes``, ``timestamps``; its errors word for word."""
        cluster = self.server.cluster
        if ("", "pods/log") in cluster.forbidden:
            self._json(403, status(403, "Forbidden", f'pods "{name}" is forbidden: User "system:serviceaccount:crumbs:crumbs" cannot get resource "pods/log" in API group "" in the namespace "{namespace}"',
                                   name=name, kind="pods"))  # fmt: skip
            return
        with cluster.cond:
            pod = cluster.objects[("", "pods")].get((namespace, name))
        if pod is None:
            self._json(
                404, status(404, "NotFound", f'pods "{name}" not found', name=name, kind="pods")
            )
            return
        names = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = q.get("container") or (names[0] if len(names) == 1 else "")
        if not container:
            self._json(
                400,
                status(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]",
                ),
            )
            return
        if container not in names:
            self._json(
                400, status(400, "BadRequest", f"container {container} is not valid for pod {name}")
            )
            return
        previous = q.get("previous") == "true"
        with cluster.cond:
            lines = cluster.container_logs.get((namespace, name, container, previous))
        if lines is None and previous:
            self._json(
                400,
                status(
                    400,
                    "BadRequest",
                    f'previous terminated container "{container}" in pod "{name}" not found',
                ),
            )
            return
        lines = lines or []
        if q.get("tailLines"):
            lines = lines[-int(q["tailLines"]) :] if int(q["tailLines"]) > 0 else []
        stamp = q.get("timestamps") == "true"
        body = "".join((f"{t} {text}" if stamp else text) + "\n" for t, text in lines).encode()
        if q.get("limitBytes"):
            body = body[: int(q["limitBytes"])]
        with cluster.cond:
            cluster.served_logs.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _groups(self) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for r in self.server.cluster.resources:
            if r.group:
                groups.setdefault(r.group, [])
                if r.version not in groups[r.group]:
                    groups[r.group].append(r.version)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs], "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
            for g, vs in sorted(groups.items())]}  # fmt: skip

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        resources = [
            r for r in self.server.cluster.resources if r.group == group and r.version == version
        ]
        listed = []
        for r in resources:
            listed.append(
                {
                    "name": r.plural,
                    "singularName": r.kind.lower(),
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": list(r.verbs),
                }
            )
            if r.kind in ("Pod", "Deployment", "ReplicaSet", "Job", "CronJob"):
                listed.append(
                    {
                        "name": f"{r.plural}/status",
                        "singularName": "",
                        "namespaced": r.namespaced,
                        "kind": r.kind,
                        "verbs": ["get", "patch", "update"],
                    }
                )
        gv = f"{group}/{version}" if group else version
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": listed,
        }

    def _target(self, parts: list[str]) -> tuple[Resource, str | None, str | None] | None:
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 2:
            return None
        res = self.server.cluster.by_path.get((group, rest[0]))
        if res is None or res.version != version or (namespace is not None and not res.namespaced):
            return None
        return res, namespace, rest[1] if len(rest) == 2 else None

    # -- list ----------------------------------------------------------------

    def _endless(self, opening: bytes) -> None:
        """A 200 whose chunked body never ends (a broken or hostile server): MiB after MiB."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        filler = b"x" * (1 << 20)
        try:
            self.wfile.write(f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
            while not self.server.stopping.is_set():
                self.wfile.write(f"{len(filler):x}\r\n".encode() + filler + b"\r\n")
        except OSError:
            pass  # the client gave up, as it should
        self.close_connection = True

    def _list(self, res: Resource, namespace: str | None, q: dict[str, str]) -> None:
        cluster = self.server.cluster
        if res.plural in cluster.faults.endless:
            self._endless(
                b'{"kind":"List","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"'
            )
            return
        limit = int(q.get("limit") or 0)
        token = q.get("continue")
        if token:
            state = json.loads(base64.urlsafe_b64decode(token))
            snap = self.server.snapshots.get(state["id"])
            with cluster.cond:
                expire = cluster.faults.expire_continue > 0
                if expire:
                    cluster.faults.expire_continue -= 1
            if snap is None or state["rv"] <= cluster.compacted or expire:
                self._json(
                    410,
                    status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    ),
                )
                return
            rv, items = snap
            start = state["start"]
        else:
            rv, items = cluster.snapshot(res, namespace)
            items = [o for o in items if field_match(o, q.get("fieldSelector", ""))]
            start = 0
        end = start + limit if limit else len(items)
        page = [
            {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}
            for o in items[start:end]
        ]
        md: dict[str, Any] = {"resourceVersion": str(rv)}
        if end < len(items):
            sid = uuid.uuid4().hex
            self.server.snapshots[sid] = (rv, items)
            md["continue"] = base64.urlsafe_b64encode(
                json.dumps({"id": sid, "rv": rv, "start": end}).encode()
            ).decode()
            md["remainingItemCount"] = len(items) - end
        self._json(
            200,
            {
                "kind": f"{res.kind}List",
                "apiVersion": res.api_version,
                "metadata": md,
                "items": page,
            },
        )

    # -- watch ---------------------------------------------------------------

    def _watch(self, res: Resource, namespace: str | None, q: dict[str, str]) -> None:
        cluster = self.server.cluster
        if res.plural in cluster.faults.endless:
            self._endless(b'{"type":"ADDED","object":{"metadata":{"name":"')
            return
        faults = cluster.faults
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        deadline = time.monotonic() + float(q.get("timeoutSeconds") or 1800)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.server.streams.add(self.connection)
        try:
            firehose = getattr(cluster, "firehose", None)
            if firehose is not None and res.plural == "pods":  # the watch benchmark
                for frame in firehose.chunks(
                    int(q.get("resourceVersion") or 0), deadline, self.server.stopping
                ):
                    self.wfile.write(frame)
                rv_left = str(cluster.rv)
            else:
                rv_left = q.get("resourceVersion") or ""
            self._stream(
                res, namespace, rv_left, bookmarks, deadline, faults, q.get("fieldSelector", "")
            )
        finally:
            self.server.streams.discard(self.connection)

    def _chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(
        self,
        res: Resource,
        namespace: str | None,
        rv_text: str,
        bookmarks: bool,
        deadline: float,
        faults: Faults,
        selector: str = "",
    ) -> None:
        cluster = self.server.cluster
        sent = 0
        with cluster.cond:
            # what the watcher sees under its field selector (the server tracks it per watch):
            # an object that comes to match is ADDED, one that stops matching is DELETED
            matched = {
                (o["metadata"].get("namespace"), o["metadata"]["name"])
                for o in cluster.snapshot(res, namespace)[1]
                if field_match(o, selector)
            }
            if rv_text in ("", "0"):
                rv, items = cluster.snapshot(res, namespace)
                pending = [
                    {"type": "ADDED", "object": o} for o in items if field_match(o, selector)
                ]
            else:
                rv = int(rv_text)
                pending = []
                if rv < cluster.compacted:
                    self._chunk(
                        {
                            "type": "ERROR",
                            "object": status(
                                410,
                                "Expired",
                                f"too old resource version: {rv} ({cluster.compacted})",
                            ),
                        }
                    )
                    self._end()
                    return
        quiet_since = time.monotonic()
        while not self.server.stopping.is_set() and time.monotonic() < deadline:
            with cluster.cond:
                changes = cluster.changes_after(res, namespace, rv)
                if not changes and not pending:
                    cluster.cond.wait(0.05)
                    changes = cluster.changes_after(res, namespace, rv)
                if not changes:
                    rv = (
                        cluster.rv
                    )  # a live watch is at the newest revision (nothing of its kind since)
                gone = faults.gone_after and not cluster.gone_sent and sent >= faults.gone_after
                if gone:
                    cluster.gone_sent = True
            if gone:
                self._chunk(
                    {
                        "type": "ERROR",
                        "object": status(
                            410, "Expired", f"too old resource version: {rv} ({rv + 1})"
                        ),
                    }
                )
                self._end()
                return
            for c in changes:
                rv = c.rv
                if not selector:
                    pending.append({"type": c.type, "object": c.obj})
                    continue
                key = (c.obj["metadata"].get("namespace"), c.obj["metadata"]["name"])
                now, was = c.type != "DELETED" and field_match(c.obj, selector), key in matched
                if now:
                    matched.add(key)
                    pending.append({"type": c.type if was else "ADDED", "object": c.obj})
                elif was:
                    matched.discard(key)
                    pending.append({"type": "DELETED", "object": c.obj})
            if not pending:
                if bookmarks and time.monotonic() - quiet_since > faults.bookmark_every:
                    self._chunk(
                        {
                            "type": "BOOKMARK",
                            "object": {
                                "kind": res.kind,
                                "apiVersion": res.api_version,
                                "metadata": {"resourceVersion": str(cluster.rv)},
                            },
                        }
                    )
                    quiet_since = time.monotonic()
                continue
            for event in pending:
                self._chunk(event)
                sent += 1
                if faults.drop_every and sent % faults.drop_every == 0:
                    self._drop()
                    return
            pending = []
            quiet_since = time.monotonic()
        self._end()

    def _end(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _drop(self) -> None:
        """The connection breaks: no terminating chunk, the socket just closes."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-stream is a test's fault injection, not an error

    def __init__(self, address: tuple[str, int], cluster: FakeCluster) -> None:
        self.cluster = cluster
        self.stopping = threading.Event()
        self.streams: set[socket.socket] = set()
        self.snapshots: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        super().__init__(address, _Handler)


@dataclass
class FakeAPIServer:
    cluster: FakeCluster = field(default_factory=FakeCluster)
    port: int = 0
    _server: _Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeAPIServer:
        for _ in range(50):
            try:
                self._server = _Server(("127.0.0.1", self.port), self.cluster)
                break
            except OSError:  # the old socket of a restart is still closing
                time.sleep(0.05)
        assert self._server is not None, "could not bind"
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        for conn in list(self._server.streams):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def restart(self, down: float = 0.3) -> None:
        """The API server goes away (connections break, new ones are refused) and comes back."""
        self.stop()
        time.sleep(down)
        self.start()

    def kubeconfig(self, path: Path, contexts: tuple[str, ...] = ("fake",)) -> Path:
        import yaml

        doc = {"apiVersion": "v1", "kind": "Config", "current-context": contexts[0],
               "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
               "users": [{"name": "crumbs", "user": {"token": TOKEN}}],
               "contexts": [{"name": c, "context": {"cluster": "fake", "user": "crumbs"}} for c in contexts]}  # fmt: skip
        path.write_text(yaml.safe_dump(doc))
        return path

    def __enter__(self) -> FakeAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
