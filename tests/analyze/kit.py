"""Building objects for analyzer tests and scanning them through the CLI, as a user would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import watch_line

NOW = "2026-11-27T12:00:00Z"


def meta(name: str, ns: str = "app", uid: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": ns, "uid": uid or f"u-{name}", "resourceVersion": "7",
            "creationTimestamp": "2026-11-01T00:00:00Z", **extra}  # fmt: skip


def cond(kind: str, status: str, reason: str = "", message: str = "", at: str = "2026-11-27T10:00:00Z") -> dict[str, Any]:  # fmt: skip
    return {"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": at}  # fmt: skip


def scan(cli, tmp_path: Path, docs_or_lines: list[Any], *args: str) -> list[dict[str, Any]]:
    """Ingest objects (dicts, observed at NOW) or watch lines (bytes), then scan with ``args``."""
    lines = [d if isinstance(d, bytes) else watch_line("ADDED", d, NOW) for d in docs_or_lines]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "watch.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = cli("ingest", str(path))
    assert result.code == 0, result.err
    return cli("scan", "-o", "json", *args).json()["findings"]


def rules(findings: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f["severity"], f"{f['analyzer']}/{f['rule']}", f["subject"]["name"]) for f in findings}
