"""A recorded step of a copilot run, told to people: ``trace show``'s text, the web UI's stream."""

from __future__ import annotations

from typing import Any

import orjson

from crumbs.store.traces import Step


def step_text(kind: str, payload: object) -> str:
    """What a step did, in a few lines (``trace show``, the web UI)."""
    p = payload if isinstance(payload, dict) else {}
    if kind in ("system", "user", "answer"):
        return str(p.get("content") or "")
    if kind == "request":
        msgs = p.get("messages") or []
        return f"context: {len(msgs)} messages; tools offered: {', '.join(p.get('tools') or [])}"
    if kind == "response":
        m = p.get("message") or {}
        calls = [
            f"{c['function']['name']}({c['function']['arguments']})"
            for c in m.get("tool_calls") or []
        ]
        return (
            str(m.get("content") or "") + ("\n→ calls " + ", ".join(calls) if calls else "")
        ).strip()
    if kind == "tool_call":
        return f"arguments: {p.get('arguments')}"
    if kind == "tool_result":
        content = str(p.get("content") or "")
        flag = " (trimmed to fit)" if p.get("trimmed") else ""
        return (
            ("ok" if p.get("ok") else "error")
            + flag
            + ": "
            + (content[:600] + "…" if len(content) > 600 else content)
        )
    return orjson.dumps(payload).decode()[:600]


def step_event(s: Step) -> dict[str, Any]:
    """One step as ``POST /api/v1/ask`` streams it (its payload told, not sent whole)."""
    return {"n": s.n, "kind": s.kind, "name": s.name, "tokens": s.tokens, "latencyMs": s.latency_ms,
            "text": step_text(s.kind, s.payload)[:2000]}  # fmt: skip
