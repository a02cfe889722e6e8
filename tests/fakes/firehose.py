"""A watch that pours events as fast as the client reads them, for the watch benchmark.

The Pods of the cluster are listed as usual; their watch then serves ``events``
MODIFIED events, round robin over the pods, each with the next
resourceVersion and a changed field, built from a per-pod JSON template (so
the server is not the bottleneck). Resuming from a resourceVersion continues
from the event after it; once all are served, the watch idles with bookmarks.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.kube_state import FakeCluster

CRASH_LOG = [(f"2026-11-27T13:59:{i // 10:02d}.{i % 10}00000000Z", line) for i, line in enumerate(
    ["starting worker pid=7 version=2.0.0"] + [f"GET /api/orders/{i} 200 {i % 17}ms trace={i:032x}" for i in range(180)]
    + ["ERROR connect to db at 10.96.0.10:5432: connection refused", "fatal: giving up after 5 attempts"])]  # fmt: skip
"""The log a crash-looping pod's previous run wrote: 183 lines, ~18 kB."""


class Firehose:
    def __init__(self, cluster: FakeCluster, events: int) -> None:
        self.events = events
        pods = sorted(cluster.objects[("", "pods")].values(), key=lambda o: o["metadata"]["name"])
        self.base = cluster.rv
        self.templates = []
        for pod in pods:
            pod = json.loads(json.dumps(pod))
            pod["metadata"]["resourceVersion"] = "@RV@"
            pod.setdefault("metadata", {}).setdefault("labels", {})["crumbs.test/n"] = "@N@"
            if pod["metadata"].get("annotations", {}).get("crumbs.test/crashing"):
                # each event is another failed run: restartCount grows, CrashLoopBackOff
                for cs in pod["status"].get("containerStatuses", []):
                    cs.update(ready=False, restartCount="@R@",
                              state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
                              lastState={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-27T14:00:00Z"}})  # fmt: skip
            line = json.dumps({"type": "MODIFIED", "object": pod}, separators=(",", ":"))
            self.templates.append(line.replace('"@R@"', "@R@"))
        self.cluster = cluster

    def chunks(self, after_rv: int, deadline: float, stopping: Any) -> Any:
        """Chunked-encoding frames of the events after ``after_rv``, a few hundred per frame."""
        i = max(0, after_rv - self.base)
        n = len(self.templates)
        while i < self.events and not stopping.is_set() and time.monotonic() < deadline:
            lines = []
            for j in range(i, min(i + 200, self.events)):
                rv = str(self.base + j + 1)
                lines.append(
                    self.templates[j % n]
                    .replace("@RV@", rv, 1)
                    .replace("@N@", str(j), 1)
                    .replace("@R@", str(j + 1))
                )
            i = j + 1
            with self.cluster.cond:  # bookmarks and lists report what was served
                self.cluster.rv = max(self.cluster.rv, self.base + i)
            data = ("\n".join(lines) + "\n").encode()
            yield f"{len(data):x}\r\n".encode() + data + b"\r\n"


def serve(port: int, events: int, pods: list[dict[str, Any]]) -> None:
    """Run a fake API server on ``port`` whose pods' watch is a firehose (until killed)."""
    from tests.fakes.apiserver import FakeAPIServer
    from tests.fakes.kube_state import CORE

    cluster = FakeCluster([r for r in CORE if r.plural in ("pods", "namespaces")])
    for p in pods:
        md = p["metadata"]
        made = cluster.create(
            "Pod",
            md["name"],
            md.get("namespace", "default"),
            spec=p.get("spec", {}),
            status=p.get("status", {}),
        )
        if md.get("annotations", {}).get("crumbs.test/crashing"):
            made["metadata"]["annotations"] = dict(md["annotations"])
            cluster.update(made)
            for c in p.get("spec", {}).get("containers", []):
                cluster.set_log(
                    made["metadata"]["namespace"], md["name"], c["name"], CRASH_LOG, previous=True
                )
    cluster.firehose = Firehose(cluster, events)  # type: ignore[attr-defined]
    server = FakeAPIServer(cluster, port).start()
    print(server.url, flush=True)
    while True:
        time.sleep(3600)
