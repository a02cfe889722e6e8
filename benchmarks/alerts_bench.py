"""Alerts in, explanations out (issue 18) on the 1M-revision store: an alert received by
``crumbs serve``'s webhook → the Slack message sent (a stand-in over HTTP, tests/fakes/chat.py),
p50/p99, beside the same ``why`` made in process (the baseline, measured in the same run); then
a storm of 1,000 alerts in 50 groups: investigations per second and the server's memory."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Report = Callable[[str, str, str], None]
ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _payload(alerts: list[dict[str, Any]], group: int) -> bytes:
    return json.dumps({"version": "4", "groupKey": f'{{}}:{{group="{group}"}}', "truncatedAlerts": 0, "status": "firing",
                       "receiver": "crumbs", "groupLabels": {"group": str(group)}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://alertmanager:9093", "alerts": alerts}).encode()  # fmt: skip


def run(
    work: Path, million: Path, report: Report, percentile: Callable[[list[float], float], float]
) -> None:
    sys.path.insert(0, str(ROOT))
    import shutil

    from serve_bench import _port

    from crumbs.app import diagnose
    from crumbs.explain.offline import OfflineModel
    from crumbs.notify.config import parse
    from crumbs.serve.server import Background, Settings
    from crumbs.store import Store
    from crumbs.timeutil import format_time
    from tests.fakes.chat import TOKEN, ChatServer
    from tests.serve.conftest import request

    db = work / "alerts.db"
    shutil.copy(million, db)  # the investigations are written: not into the shared store
    store = Store.open(str(db), create=True)  # migrated once, here
    pods = store.db.execute("SELECT namespace, name FROM objects WHERE kind = 'Pod'").fetchall()
    lo = store.db.execute("SELECT min(at) FROM revisions").fetchone()[0]
    hi = store.queries.latest_time()
    rng = random.Random(18)

    def alert(i: int) -> dict[str, Any]:
        ns, pod = rng.choice(pods)
        starts = rng.randrange(lo + (hi - lo) // 2, hi)
        return {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": ns,
                                               "pod": pod, "job": "kube-state-metrics", "n": str(i)},
                "annotations": {"summary": "restarting"}, "startsAt": format_time(starts), "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "", "fingerprint": f"{i:016x}"}  # fmt: skip

    with ChatServer() as chat:
        alerting = parse({"notify": {"destinations": {"oncall": {"type": "slack", "channel": "#oncall", "token": TOKEN,
                                                                 "api_url": chat.url + "/api/"}},
                                     "routes": [{"destinations": ["oncall"]}]}})  # fmt: skip
        port = _port()
        server = Background(
            Settings(str(db), port=port, model=OfflineModel, mcp=False, alerting=alerting)
        )
        server.start()
        time.sleep(1.0)
        url = f"http://127.0.0.1:{port}/api/v1/alerts/alertmanager"
        try:
            # one alert at a time: received → Slack message sent
            latencies, direct = [], []
            for i in range(60):
                a = alert(i)
                sent_before = len(chat.chat.calls)
                t = time.perf_counter()
                assert (
                    request(url, "POST", _payload([a], i), {"content-type": "application/json"})[0]
                    == 200
                )
                while len(chat.chat.calls) == sent_before:
                    time.sleep(0.002)
                latencies.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                diagnose.why(
                    store,
                    f"Pod/{a['labels']['pod']}",
                    namespace=a["labels"]["namespace"],
                    at=a["startsAt"],
                )
                direct.append((time.perf_counter() - t) * 1000)
            report("alert received → Slack message sent, 1M revisions (60 alerts, one at a time)",
                   f"p50 {statistics.median(latencies) / 1000:.2f} s, p99 {percentile(latencies, 0.99) / 1000:.2f} s "
                   f"(the same why in process: p50 {statistics.median(direct) / 1000:.2f} s)", "p99 ≤ 2 s")  # fmt: skip
            # the storm: 1,000 alerts in 50 groups, posted at once
            rss0 = _rss_mb()
            sent_before = len(chat.chat.to("/api/chat.postMessage"))
            t = time.perf_counter()
            for g in range(50):
                body = _payload([alert(1000 + g * 20 + k) for k in range(20)], g)
                assert request(url, "POST", body, {"content-type": "application/json"})[0] == 200
            posted = time.perf_counter() - t
            rss_half = 0.0
            while len(chat.chat.to("/api/chat.postMessage")) < sent_before + 1000:
                if not rss_half and len(chat.chat.to("/api/chat.postMessage")) >= sent_before + 500:
                    rss_half = _rss_mb()
                time.sleep(0.05)
            took = time.perf_counter() - t
            report("alert storm: 1,000 alerts in 50 groups, 1M revisions",
                   f"{1000 / took:.1f} investigations/s ({took:.0f} s; the 50 calls answered in {posted:.2f} s); "
                   f"RSS {rss0:.0f} → {rss_half:.0f} (500 done) → {_rss_mb():.0f} MiB (1,000 done)",
                   "memory flat")  # fmt: skip
        finally:
            server.stop()
            store.close()
