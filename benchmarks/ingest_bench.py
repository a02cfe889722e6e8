"""Central ingest (issue 19): three recorders' spools shipped through ``crumbs serve`` into
PostgreSQL at once, end to end (the shippers' reads, the wire format, HTTP, the server's
decode and write), beside the same revisions written straight into PostgreSQL in the same run.

    python benchmarks/ingest_bench.py ship SPOOL URL TOKEN   # one shipper, until its spool is delivered
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, str, str], None]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLUSTERS = ("east", "west", "north")
PER_CLUSTER = 30_000


def _spool(path: str, cluster: int) -> None:
    import synth

    from crumbs.store import Store

    revs = synth.history(3_000, PER_CLUSTER // 3_000, seed=cluster)
    with Store.open(path) as store, store.writer() as w:
        for r in revs:
            w.add(dataclasses.replace(r, key=dataclasses.replace(r.key, cluster="fake")))


def ship(spool: str, url: str, token: str) -> None:
    from crumbs.ship.sender import Shipper
    from crumbs.store import Store

    s = Shipper(spool, url, token, "fake", 10**12)
    with Store.open(spool) as store:
        while True:
            wait = s.step(store)
            if s.status.pending == 0:
                return
            if wait:
                time.sleep(wait)


def run(work: Path, report: Report) -> None:
    import postgres_bench
    import synth

    from crumbs.store.postgres import close_pools
    from tests.pgserver import PostgresServer, free_port

    server = PostgresServer(durable=True)
    serve = None
    try:
        tokens = work / "ingest-tokens"
        tokens.write_text("".join(f"{c}-bench-token-0123456789,{c}\n" for c in CLUSTERS))
        tokens.chmod(0o600)
        spools = []
        for i, c in enumerate(CLUSTERS):
            path = work / f"spool-{c}.db"
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
            _spool(str(path), i)
            spools.append(str(path))
        direct = server.database()
        seconds = postgres_bench._write(direct, (r for i in range(3) for r in postgres_bench._clusters(synth.history(3_000, PER_CLUSTER // 3_000, seed=i))))  # fmt: skip
        n = PER_CLUSTER * 3
        report(
            "90k revisions written straight into PostgreSQL (baseline)",
            f"{n / seconds:,.0f} revisions/s",
            "",
        )
        central = server.database()
        port = free_port()
        serve = subprocess.Popen([sys.executable, "-m", "crumbs", "--db", central, "serve", "--port", str(port),
                                  "--offline", "--ingest-tokens", str(tokens)], stderr=subprocess.DEVNULL)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        t = time.perf_counter()
        shippers = [
            subprocess.Popen(
                [sys.executable, __file__, "ship", spool, url, f"{c}-bench-token-0123456789"],
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            )  # fmt: skip
            for spool, c in zip(spools, CLUSTERS, strict=True)
        ]
        for p in shippers:
            p.wait()
        took = time.perf_counter() - t
        report("3 recorders → crumbs serve → PostgreSQL, end to end", f"{n / took:,.0f} revisions/s ({seconds / took:.2f}× the direct write)", "")  # fmt: skip
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(30)
        close_pools()
        server.close()


if __name__ == "__main__" and sys.argv[1:2] == ["ship"]:
    ship(*sys.argv[2:5])
