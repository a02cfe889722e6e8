"""ABI v1, the data side: what a plugin is given, and reading what it returns into findings.

Input (UTF-8 JSON): per object ``{"at": RFC 3339, "object": {...}}`` (with
``"related": [...]`` when the manifest asks); per batch
``{"at": ..., "objects": [{...}, ...]}`` (every object of the kinds it
declared). Output: ``{"findings": [finding, ...]}``, each in the shape of
``scan -o json`` (only ``rule``, ``severity`` and ``title`` are required)::

    {"rule": "missing-owner-label", "severity": "warning", "title": "…",
     "detail": "…", "remediation": "…", "discriminator": "…",
     "subject": {"kind": "CronJob", "namespace": "shop", "name": "nightly", "apiVersion": "batch/v1"}}

Without a ``subject``, a finding is about the object it was given (per-object
mode). Anything else is refused with :class:`OutputError` naming what is wrong:
the plugin's output is as untrusted as its code.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson

from crumbs.model import (
    SEVERITY_ORDER,
    Finding,
    ObjectKey,
    StoredRevision,
    split_api_version,
)

MAX_FINDINGS = 10_000
_TEXT_LIMIT = 4_096


class OutputError(ValueError):
    """The plugin's output does not follow the ABI."""


def object_input(
    at: str, rev: StoredRevision, related: list[StoredRevision] | None = None
) -> bytes:
    """``{"at": …, "object": …, "related"?: […]}`` without re-encoding any object (their stored JSON)."""
    head = b'{"at":"' + at.encode() + b'","object":' + rev.json()
    if related is None:
        return head + b"}"
    return head + b',"related":[' + b",".join(r.json() for r in related) + b"]}"


def batch_input(at: str, revs: list[StoredRevision]) -> bytes:
    return b'{"at":"' + at.encode() + b'","objects":[' + b",".join(r.json() for r in revs) + b"]}"


def _text(f: dict[str, Any], key: str, i: int, required: bool = False) -> str:
    value = f.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise OutputError(f"findings[{i}].{key} must be a {'non-empty ' if required else ''}string")
    return value[:_TEXT_LIMIT]


def decode(
    data: bytes,
    analyzer: str,
    cluster: str,
    given: StoredRevision | None,
    kinds: Collection[str] | None = None,
) -> list[Finding]:
    """The findings in a plugin's output (``given``: the object of a per-object call).

    ``kinds``: the kinds a finding may name (what the manifest declares, and the related
    objects it was given); a finding about anything else is refused.
    """
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise OutputError(f"output is not JSON ({err.msg} at byte {err.pos})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise OutputError('output must be a JSON object with a "findings" list')
    raw = doc["findings"]
    if len(raw) > MAX_FINDINGS:
        raise OutputError(f"{len(raw):,} findings in one output (at most {MAX_FINDINGS:,})")
    out = []
    for i, f in enumerate(raw):
        if not isinstance(f, dict):
            raise OutputError(f"findings[{i}] is not an object")
        severity = f.get("severity")
        if severity not in SEVERITY_ORDER:
            raise OutputError(f"findings[{i}].severity must be error, warning or info")
        rule = _text(f, "rule", i, required=True)
        title = _text(f, "title", i, required=True)
        subject = f.get("subject")
        if subject is None:
            if given is None:
                raise OutputError(f"findings[{i}] has no subject (a batch plugin must name it)")
            key, uid, api_version = given.key, given.uid, str(given.doc.get("apiVersion") or "")
        else:
            if not isinstance(subject, dict):
                raise OutputError(f"findings[{i}].subject is not an object")
            kind, name = _text(subject, "kind", i, True), _text(subject, "name", i, True)
            api_version = _text(subject, "apiVersion", i)
            group = split_api_version(api_version)[0] if api_version else _text(subject, "group", i)
            if kinds is not None and kind not in kinds:
                raise OutputError(
                    f"findings[{i}] names a {kind[:40]}, but the manifest declares only {', '.join(sorted(kinds))}"
                )
            key = ObjectKey(cluster, group, kind, _text(subject, "namespace", i), name)
            uid = _text(subject, "uid", i)
        out.append(
            Finding(
                analyzer,
                rule,
                severity,
                key,
                uid,
                api_version,
                title,
                detail=_text(f, "detail", i),
                remediation=_text(f, "remediation", i),
                discriminator=_text(f, "discriminator", i),
            )
        )
    return out
