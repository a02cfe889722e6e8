"""The watch benchmark: events from a fake API server (its own process) through `crumbs watch` into the store.

The server lists 10k realistic pods, then pours MODIFIED events (one label
changes, as the resourceVersion) as fast as they are read. The recorder runs in
this process exactly as `crumbs watch` runs it; the clock stops when the store
holds a revision for every event. The recorder process's RSS is sampled along
the way (VmRSS), to see that memory stays flat.
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import synth

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(
    work: Path, events: int, pods: int = 10_000, crashing: int = 0, logs: bool = False
) -> dict[str, object]:
    """``crashing``: every Nth pod crash-loops (each of its events a new failed run);
    ``logs``: the recorder captures their logs (``watch --logs``, default limits)."""
    from crumbs.cluster.recorder import Recorder
    from crumbs.cluster.transport import targets
    from crumbs.store import Store

    rng = random.Random(5)
    objs = [
        synth.pod(rng, f"ns-{i % 50:02d}", f"app{i % 300}", i, synth.START) for i in range(pods)
    ]
    for i, o in enumerate(objs):
        o["metadata"].pop("resourceVersion", None)
        if crashing and i % crashing == 0:
            o["metadata"].setdefault("annotations", {})["crumbs.test/crashing"] = "true"
    spec_file = work / "firehose-pods.json"
    import orjson

    spec_file.write_bytes(orjson.dumps(objs))
    del objs  # the server process reads them; this one must not hold them while measuring RSS
    port = _free_port()
    code = (
        f"import sys, orjson; sys.path.insert(0, {str(ROOT)!r}); from tests.fakes.firehose import serve; "
        f"serve({port}, {events}, orjson.loads(open({str(spec_file)!r}, 'rb').read()))"
    )
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip() if server.stdout else ""
        kubeconfig = work / "firehose-kubeconfig"
        kubeconfig.write_text(
            f"apiVersion: v1\nkind: Config\ncurrent-context: bench\nclusters: [{{name: b, cluster: {{server: '{url}'}}}}]\n"
            "users: [{name: u, user: {token: crumbs-test-token}}]\ncontexts: [{name: bench, context: {cluster: b, user: u}}]\n"
        )
        db = work / "watch.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        store = Store.open(str(db))
        stop = threading.Event()
        from crumbs.cluster.podlogs import Limits

        rec = Recorder(
            store, targets(None, str(kubeconfig)), include=["pods"], logs=Limits() if logs else None
        )
        samples: list[tuple[int, float]] = []
        result: dict[str, object] = {}

        def watch_progress() -> None:
            started = None
            next_sample = 0
            while not stop.is_set():
                time.sleep(0.05)
                seen = sum(f.progress.events for f in rec.followers.values())
                if started is None and seen:
                    started = time.perf_counter()
                if seen >= next_sample:
                    samples.append((seen, _rss_mib()))
                    next_sample += max(events // 10, 1)
                if seen >= events:
                    result["received_s"] = time.perf_counter() - (started or time.perf_counter())
                    stop.set()

        threading.Thread(target=watch_progress, daemon=True).start()
        t = time.perf_counter()
        totals = rec.run(stop)
        total = time.perf_counter() - t
        store.close()
        samples.append((events, _rss_mib()))
        fetched = [f.counts for f in rec.fetchers.values()]
        result.update(total_s=total, revisions=totals.revisions, samples=samples,
                      logs=fetched[0] if fetched else None)  # fmt: skip
        return result
    finally:
        server.kill()
        server.wait()
