"""Findings and their causes: terminal text, the JSON contract, and Markdown for tickets and chat."""

from __future__ import annotations

from typing import cast

from crumbs.contract import CauseActor, CauseRef, EvidenceRef, FindingRef, Findings, SubjectRef
from crumbs.model import Cause, Evidence, Finding, ObjectKey, Severity
from crumbs.report.shapes import attribution_ref
from crumbs.report.text import clean, md_code, md_text, short_time, who
from crumbs.timeutil import format_time

_STYLE: dict[str, str] = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def subject_ref(key: ObjectKey, api_version: str = "", uid: str = "") -> SubjectRef:
    out: SubjectRef = {
        "apiVersion": api_version,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
    }
    if uid:
        out["uid"] = uid
    return out


def evidence_ref(e: Evidence, versions: dict[ObjectKey, str]) -> EvidenceRef:
    out: EvidenceRef = {
        "kind": e.kind,
        "subject": subject_ref(e.key, versions.get(e.key, "")),
        "at": format_time(e.at) if e.at else None,
        "summary": e.summary,
        "id": e.id,
    }
    if e.kind == "log":
        out["lines"] = list(e.lines)
        out["template"] = e.template
        out["count"] = e.count
        out["newSinceCause"] = e.new
    return out


def cause_ref(c: Cause) -> CauseRef:
    rev = c.change.revision
    actor = attribution_ref(c.change.attribution)
    return {
        "rank": c.rank,
        "score": c.score,
        "subject": subject_ref(rev.key, str(rev.doc.get("apiVersion") or ""), rev.uid),
        "at": format_time(c.at if c.at is not None else rev.at),
        "revision": rev.id,
        "actor": cast(CauseActor, {k: v for k, v in actor.items() if k in _CAUSE_ACTOR}),
        "summary": c.change.summary,
        "paths": list(c.change.paths),
        "distance": c.distance,
        "why": c.why,
        "transition": c.transition,
        "path": [
            {
                "from": subject_ref(e.src, ""),
                "to": subject_ref(e.dst, ""),
                "edge": e.type,
                "label": e.label,
            }
            for e in c.path
        ],
    }


_CAUSE_ACTOR = ("manager", "operation", "channel", "user", "certain", "note")
"""The attribution's fields a cause repeats (the order they are printed in is the attribution's)."""


def chain(c: Cause) -> str:
    """The way from the symptom to the cause: ``Pod web-1 → Node node-a (runs-on)``."""
    if not c.path:
        return ""
    first = c.path[0].src
    return f"{first.kind} {first.name}" + "".join(
        f" → {e.dst.kind} {e.dst.name} ({e.type})" for e in c.path
    )


def finding_ref(f: Finding) -> FindingRef:
    return {
        "id": f.id,
        "analyzer": f.analyzer,
        "rule": f.rule,
        "severity": f.severity,
        "subject": subject_ref(f.key, f.api_version, f.uid),
        "title": f.title,
        "detail": f.detail,
        "since": format_time(f.since) if f.since is not None else None,
        "remediation": f.remediation,
        "evidence": [evidence_ref(e, f.versions) for e in f.evidence],
        "related": [subject_ref(k, f.versions.get(k, "")) for k in f.related],
        "causes": [cause_ref(c) for c in f.causes],
        "also": [
            {"id": a.id, "analyzer": a.analyzer, "rule": a.rule, "severity": a.severity,
             "title": a.title, "detail": a.detail, "since": format_time(a.since) if a.since is not None else None}
            for a in f.also
        ],
    }  # fmt: skip


def shown_causes(f: Finding, most: int = 3) -> list[Cause]:
    """The causes worth reading (score at least :data:`USEFUL`), the best ``most``; -o json keeps all."""
    return [c for c in f.causes[:most] if c.score >= USEFUL]


USEFUL = 0.1
"""A cause scored lower (a change a week before, far from the subject) is not printed."""


def as_json(at: int, findings: list[Finding]) -> Findings:
    counts = {s.value: sum(f.severity == s for f in findings) for s in Severity}
    return {
        "at": format_time(at),
        "summary": counts,
        "findings": [finding_ref(f) for f in findings],
    }


def as_text(at: int, findings: list[Finding], causes: int = 3) -> list[str]:
    out = [f"[dim]as of {format_time(at)}[/]"]
    if not findings:
        out.append("[green]no findings[/]")
        return out
    for f in findings:
        style = _STYLE.get(f.severity, "")
        since = f"  [dim]since {short_time(f.since)}[/]" if f.since is not None else ""
        where = f"{f.key.namespace}/" if f.key.namespace else ""
        out.append(f"\n[{style}]{f.severity.upper():<7}[/] [bold]{clean(f.title)}[/]{since}")
        out.append(
            f"        [dim]{clean(where + f.key.kind + '/' + f.key.name)} · {clean(f.analyzer)}/{clean(f.rule)} · {f.id}[/]"
        )
        if f.detail:
            out.append(f"        {clean(f.detail)}")
        for a in f.also:
            out.append(f"        [dim]also:[/] {clean(a.title)}")
        for e in f.evidence:
            if e.kind == "log":
                out.append(f"        [blue]log:[/] {clean(e.summary)}")
                out.extend(f"          [dim]│ {clean(line)}[/]" for line in e.lines)
        for c in shown_causes(f, causes):
            rev = c.change.revision
            at = c.at if c.at is not None else rev.at
            out.append(
                f"        [bold]cause {c.rank}[/] [dim]({c.score:.2f})[/] {short_time(at)}  {clean(rev.key.display())}: {clean(c.change.summary)}  [magenta]‹{clean(who(c.change.attribution))}›[/]"
            )
            out.append(f"                [dim]{clean(c.why)}[/]")
            if len(c.path) > 1:
                out.append(f"                [dim]path: {clean(chain(c))}[/]")
        if f.remediation:
            out.append(f"        [green]→ {clean(f.remediation)}[/]")
    counts: dict[str, int] = {s: sum(f.severity == s for f in findings) for s in Severity}
    out.append(
        f"\n{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, {counts['info']} info"
    )
    return out


def as_markdown(at: int, findings: list[Finding], causes: int = 3) -> str:
    lines = [f"# Crumbs scan as of {format_time(at)}", ""]
    if not findings:
        return "\n".join([*lines, "No findings."]) + "\n"
    for f in findings:
        lines.append(f"## {f.severity.upper()}: {md_text(f.title)}")
        lines.append("")
        lines.append(
            f"- **Object:** {md_code(f.key.display())} · {md_code(f'{f.analyzer}/{f.rule}')} · `{f.id}`"
        )
        if f.since is not None:
            lines.append(f"- **Since:** {format_time(f.since)}")
        if f.detail:
            lines.append(f"- **Detail:** {md_text(f.detail)}")
        for a in f.also:
            lines.append(f"- **Also:** {md_text(a.title)}")
        for e in f.evidence:
            if e.kind == "log":
                lines.append(f"- **Log:** {md_text(e.summary)}")
        if f.remediation:
            lines.append(f"- **Remediation:** {md_text(f.remediation)}")
        if f.causes:
            lines.append("")
            lines.append("| # | score | when | object | change | by | why |")
            lines.append("|---|---|---|---|---|---|---|")
            for c in shown_causes(f, causes):
                rev = c.change.revision
                cells = [
                    str(c.rank),
                    f"{c.score:.2f}",
                    format_time(rev.at, precise=False),
                    md_code(rev.key.display()),
                    md_text(c.change.summary),
                    md_text(who(c.change.attribution)),
                    md_text(c.why),
                ]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
