"""``crumbs serve`` (issue 17): the HTTP API's p50/p99 on the 1M-revision store beside the same
application-layer call in process (the baseline, measured in the same run), and the timeline
page's time to first render with 100k items in Chromium beside the JSON of the same window."""

from __future__ import annotations

import http.client
import random
import shutil
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

Report = Callable[[str, str, str], None]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One kept-alive connection, as a dashboard or a script would hold."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> float:
        t = time.perf_counter()
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        body = r.read()
        took = (time.perf_counter() - t) * 1000
        assert r.status == 200, (path, r.status, body[:300])
        return took


def _ms(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def run(
    work: Path, million: Path, report: Report, percentile: Callable[[list[float], float], float]
) -> None:
    from crumbs.app import diagnose, history, timeline
    from crumbs.explain.offline import OfflineModel
    from crumbs.redaction import sharing
    from crumbs.serve.server import Background, Settings
    from crumbs.store import Store
    from crumbs.timeutil import format_time

    port = _port()
    server = Background(Settings(str(million), port=port, model=OfflineModel, mcp=False))
    server.start()
    time.sleep(1.0)
    client = Client(port)
    store = Store.open(str(million), create=False, redactor=sharing())
    rng = random.Random(7)
    keys = store.db.execute("SELECT o.kind, o.namespace, o.name FROM objects o").fetchall()
    lo = store.db.execute("SELECT min(at) FROM revisions").fetchone()[0]
    hi = store.queries.latest_time()
    assert hi is not None
    try:

        def pair(
            name: str, path: Callable[[], tuple[str, Callable[[], Any]]], n: int, target: str
        ) -> None:
            api, direct = [], []
            for _ in range(n):
                url, call = path()
                api.append(client.get(url))
                direct.append(_ms(lambda call=call: orjson.dumps(call())))
            ratio = statistics.median(api) / statistics.median(direct)
            report(f"HTTP API on 1M revisions: {name}",
                   f"p50 {statistics.median(api):.1f} ms, p99 {percentile(api, 0.99):.1f} ms "
                   f"(the same call in process: p50 {statistics.median(direct):.1f} ms; ×{ratio:.2f})", target)  # fmt: skip

        def one_history() -> tuple[str, Callable[[], Any]]:
            kind, ns, name = rng.choice(keys)
            return (f"/api/v1/objects/{kind}/{ns or '_'}/{name}/history",
                    lambda: history.history(store, f"{kind}/{name}", namespace=ns or None).json())  # fmt: skip

        def one_window() -> tuple[str, Callable[[], Any]]:
            ns = f"ns-{rng.randrange(100):03d}"
            t0 = rng.randrange(lo, hi - 3600 * 10**9)
            a, b = format_time(t0), format_time(t0 + 3600 * 10**9)
            return (f"/api/v1/timeline?namespace={ns}&from={quote(a)}&to={quote(b)}",
                    lambda: timeline.timeline(store, start=a, end=b, namespace=ns).json())  # fmt: skip

        def one_scan() -> tuple[str, Callable[[], Any]]:
            ns = f"ns-{rng.randrange(100):03d}"
            return f"/api/v1/scan?namespace={ns}", lambda: diagnose.scan(store, namespace=ns).json()

        pair("one object's history", one_history, 200, "API p50 ≤ 2× the in-process call")
        pair("a namespace's 1-hour timeline", one_window, 100, "API p50 ≤ 2× the in-process call")
        pair(
            "scan of one namespace (1k objects)", one_scan, 10, "API p50 ≤ 1.2× the in-process call"
        )
        _first_render(client, port, store, lo, hi, report)
    finally:
        store.close()
        server.stop()


def _first_render(client: Client, port: int, store: Any, lo: int, hi: int, report: Report) -> None:
    """The timeline page over a window of ~100k changes, in Chromium: navigation start to the
    first entries painted, beside fetching the same window's JSON."""
    from crumbs.timeutil import format_time

    chromium = shutil.which("chromium")
    if chromium is None:
        report(
            "timeline page, 100k items: first render in Chromium", "not measured: no chromium", ""
        )
        return
    # the window holding the newest ~100k revisions
    start = store.db.execute(
        "SELECT at FROM revisions ORDER BY at DESC LIMIT 1 OFFSET 100000"
    ).fetchone()[0]
    a, b = quote(format_time(start)), quote(format_time(hi))
    count = store.db.execute("SELECT count(*) FROM revisions WHERE at > ?", (start,)).fetchone()[0]
    json_ms = client.get(f"/api/v1/timeline?from={a}&to={b}&no-events=1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        times = []
        for _ in range(3):
            t = time.perf_counter()
            page.goto(
                f"http://127.0.0.1:{port}/timeline?from={a}&to={b}&no-events=1", timeout=600_000
            )
            page.wait_for_selector(".entry", timeout=600_000)
            times.append((time.perf_counter() - t) * 1000)
            shown = page.locator(".entry").count()
        browser.close()
    page_ms = statistics.median(times)
    report(f"timeline page, {count:,} changes in the window: first render in Chromium",
           f"{page_ms / 1000:.2f} s ({shown} lines on the first page; the window's JSON: {json_ms / 1000:.2f} s; ×{page_ms / json_ms:.2f})",
           "≤ the JSON of the same window")  # fmt: skip
