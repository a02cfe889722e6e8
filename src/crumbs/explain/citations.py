"""Citations: answers point at evidence ids seen in tool outputs; any other is flagged.

``[F6b9e061bc42d]`` a finding, ``[R41]`` a revision, ``[E12]`` an event, ``[N65537]`` a node
event (``crumbs activity``, or a finding's node-event evidence), ``[L7]`` a kept log capture
(``crumbs logs``, or a finding's log evidence). The
ids a run may cite are the ones its tools returned; a citation of anything
else (a model's invention, or a stale id) is listed and marked in the answer.
"""

from __future__ import annotations

import re
from typing import Any

CITATION = re.compile(r"\[(F[0-9a-f]{12}|R\d+|E\d+|N\d+|L\d+)\]")
_FINDING = re.compile(r"^F[0-9a-f]{12}$")
_REVISION_TYPES = {"ADDED", "MODIFIED", "DELETED", "SNAPSHOT"}


def citable(doc: Any, into: set[str] | None = None) -> set[str]:
    """Every evidence id in a tool output."""
    out = into if into is not None else set()
    if isinstance(doc, dict):
        i = doc.get("id")
        if isinstance(i, str) and _FINDING.match(i):
            out.add(i)
        elif isinstance(i, int) and not isinstance(i, bool):
            if doc.get("kind") == "node-event" or doc.get("schema") == "crumbs.node-event/v1":
                out.add(f"N{i}")
            elif doc.get("kind") == "log" or "capturedAt" in doc:
                out.add(f"L{i}")
            elif doc.get("kind") == "event" or "reason" in doc:
                out.add(f"E{i}")
            elif (
                doc.get("kind") in ("revision", "object")
                or doc.get("type") in _REVISION_TYPES
                or "resourceVersion" in doc
            ):
                out.add(f"R{i}")
        r = doc.get("revision")
        if isinstance(r, int) and not isinstance(r, bool):
            out.add(f"R{r}")
        for v in doc.values():
            citable(v, out)
    elif isinstance(doc, list):
        for v in doc:
            citable(v, out)
    return out


def check(answer: str, known: set[str]) -> tuple[str, list[str]]:
    """The answer with unknown citations marked, and the unknown ones."""
    unknown = sorted({m for m in CITATION.findall(answer) if m not in known})
    if not unknown:
        return answer, []
    marked = CITATION.sub(
        lambda m: m.group(0) if m.group(1) in known else f"{m.group(0)}(unverified)", answer
    )
    return marked + "\n\n⚠ unverified citations (not in any tool output of this run): " + ", ".join(
        unknown
    ), unknown
