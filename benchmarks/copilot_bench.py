"""The copilot over the incident scenarios: tokens a model would be sent per explained finding, and time to answer offline.

For each recording of tests/scenarios/incidents: a fresh store, then `crumbs
ask "why is KIND/NAME failing?"` about the scenario's expected top finding,
with the offline explainer (it plays a model's part through the same loop and
tools). Tokens are those of every request the loop builds (system prompt,
question, tool specs, tool outputs: what a model would be sent, each request
in full), counted with o200k_base; time is the whole command in-process.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INCIDENTS = ROOT / "tests" / "scenarios" / "incidents"


def run(work: Path) -> dict[str, object]:
    from crumbs.cli import main
    from crumbs.explain.loop import ask
    from crumbs.explain.offline import OfflineModel
    from crumbs.explain.trace import load_trace
    from crumbs.store import Store

    expected = yaml.safe_load((INCIDENTS / "expected.yaml").read_text())
    rows = []
    for name, want in sorted(expected.items()):
        if not want["finding"]:
            continue
        db = work / f"copilot-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        assert main(["--db", str(db), "ingest", str(INCIDENTS / f"{name}.jsonl")]) == 0
        kind, obj = want["finding"]["subject"].split("/", 1)
        question = f"why is {kind.lower()}/{obj} failing?"
        with Store.open(str(db)) as store:
            clock = store.db.execute("SELECT max(at) FROM revisions").fetchone()[0]
            t = time.perf_counter()
            answer = ask(store, question, OfflineModel(), clock)
            seconds = time.perf_counter() - t
            trace = load_trace(store, answer.trace_id)
        requests = [s.tokens for s in trace.steps if s.kind == "request"]
        rows.append({"scenario": name, "sent": sum(requests), "largest": max(requests), "requests": len(requests),
                     "seconds": seconds, "cited": answer.unverified == []})  # fmt: skip
    sent = [r["sent"] for r in rows]
    secs = [r["seconds"] for r in rows]
    return {"rows": rows, "median_sent": statistics.median(sent), "max_sent": max(sent),
            "median_largest": statistics.median(r["largest"] for r in rows),
            "median_s": statistics.median(secs), "max_s": max(secs)}  # fmt: skip
