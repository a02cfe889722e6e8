"""Logs as evidence (issue 15): templates mined per second, store bytes per MB of raw logs, and
the watch's event rate with ``--logs`` on a crash-looping fleet, each beside its baseline."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import zstandard

Report = Callable[[str, str, str], None]
FORMATS = [
    "GET /api/v1/orders/{n} 200 {ms}ms trace={hex}",
    "POST /api/v1/cart/{n}/items 201 {ms}ms user={uuid}",
    "connected to postgres at 10.96.{a}.{b}:5432 in {ms}ms",
    "WARN slow query took {ms}ms: SELECT * FROM orders WHERE id = {n}",
    "ERROR cache refresh failed: redis timeout after {ms}ms (attempt {a})",
    "INFO flushed {n} events to kafka partition {a} offset {n2}",
    'level=info msg="reconciled" object={uuid} generation={a} duration={ms}ms',
    "E1127 14:{a:02d}:{b:02d}.{n} reflector.go:147 failed to list *v1.Pod: context deadline exceeded",
    "user {n} logged in from 192.168.{a}.{b}",
    "panic: runtime error: index out of range [{a}] with length {b}",
]


def lines(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fmt = FORMATS[rng.randrange(len(FORMATS))]
        text = fmt.format(n=rng.randrange(10**6), n2=rng.randrange(10**9), ms=rng.randrange(5000),
                          hex=f"{rng.getrandbits(64):016x}", uuid=f"{rng.getrandbits(32):08x}-1234-4abc-9def-{rng.getrandbits(48):012x}",
                          a=rng.randrange(60), b=rng.randrange(60))  # fmt: skip
        out.append(
            f"2026-11-27T14:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z {text}"
        )
    return out


def mining(
    report: Report, timed: Callable[[Callable[[], object]], float], n: int = 1_000_000
) -> None:
    from crumbs.analyze.logtemplates import _MASKS, STAMP, Line, mine

    text = lines(n)
    masks = [(re.compile(p), f"<{name}>") for p, name in _MASKS]

    def masked() -> int:
        count = 0
        for line in text:
            s = STAMP.sub("", line, count=1)
            for rx, sub in masks:
                s = rx.sub(sub, s)
            count += len(s)
        return count

    base = timed(masked)
    found: list[object] = []
    took = timed(lambda: found.append(mine(Line(t) for t in text)))
    templates = found[-1]
    report(
        f"log templates mined (Drain3) over {n:,} lines of 10 formats: {len(templates)} templates",  # type: ignore[arg-type]
        f"{n / took:,.0f} lines/s ({took:.1f} s); {took / base:.2f}× masking the same lines alone",
        "",
    )


def storage(work: Path, report: Report, megabytes: int = 32) -> None:
    from crumbs.model import LogChunk
    from crumbs.store import Store

    db = work / "logs.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    text = lines(megabytes * 9000, seed=9)  # ~115 bytes a line
    raw = sum(len(t) + 1 for t in text)
    store = Store.open(str(db))
    per_chunk = 9000
    with store.writer() as w:
        for i in range(0, len(text), per_chunk):
            w.add(LogChunk("default", "shop", f"api-{i // per_chunk}", "api", text[i : i + per_chunk],
                           "bench", None, None, True, 1_795_000_000_000_000_000 + i))  # fmt: skip
    kept = store.db.execute("SELECT SUM(length(data)) FROM logs").fetchone()[0]
    store.close()
    joined = "\n".join(text).encode()
    zstd = len(zstandard.ZstdCompressor(level=3).compress(joined))
    report(
        f"store bytes per MB of raw logs ({raw / 2**20:.0f} MiB of lines, 1 MiB chunks, redacted then zstd)",
        f"{kept / (raw / 2**20) / 1024:,.0f} KiB per MiB ({raw / kept:.1f}:1); zstd -3 of the whole text alone {raw / zstd:.1f}:1",
        "",
    )


def watch_rate(work: Path, report: Report, events: int = 200_000) -> None:
    import watch_bench

    rates = {}
    fetched = None
    for logs in (False, True):
        r = watch_bench.run(work, events, crashing=10, logs=logs)
        rates[logs] = events / float(r["total_s"])  # type: ignore[arg-type]
        if logs:
            fetched = r["logs"]
    report(
        f"watch of 10k pods, 10% crash-looping (each of their events a new failed run), {events:,} events: with --logs ÷ without",
        f"{rates[True]:,.0f} vs {rates[False]:,.0f} events/s ({rates[True] / rates[False]:.2f}×); logs fetched {fetched.fetched}, dropped {fetched.dropped}, over budget {fetched.over_budget}",  # type: ignore[union-attr]
        "≈ 1×",
    )


def run(work: Path, report: Report, timed: Callable[[Callable[[], object]], float]) -> None:
    mining(report, timed)
    storage(work, report)
    watch_rate(work, report)
