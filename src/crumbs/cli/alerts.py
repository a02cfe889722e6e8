"""``crumbs investigate`` (alerts pulled from Alertmanager's API v2) and ``crumbs investigations``."""

from __future__ import annotations

import typer

from crumbs.cli.common import OUTPUT_OPTION, Output, db_path, emit_json, open_store
from crumbs.errors import EXIT_OK, InputError, UsageError
from crumbs.report.text import clean, console


def investigate(
    ctx: typer.Context,
    alertmanager: str = typer.Option(
        ..., "--alertmanager", help="Alertmanager's URL (its API v2 is read: GET /api/v2/alerts)."
    ),
    matcher: list[str] = typer.Option(
        None,
        "--filter",
        help='Only alerts matching LABEL=VALUE (or an Alertmanager matcher, LABEL=~"re"); repeatable.',
    ),
    notify: bool = typer.Option(
        True,
        "--notify/--no-notify",
        help="Send to the destinations the [notify] routes name (as crumbs serve does).",
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Investigate every firing alert Alertmanager holds: why of the object its labels name, as of its start."""
    from crumbs.app.alerting import handle_new
    from crumbs.formats.alertmanager import api_alerts
    from crumbs.notify.config import Alerting, configured
    from crumbs.redaction import sharing
    from crumbs.store import Store

    alerting = configured()
    if not notify:
        alerting = Alerting(rules=alerting.rules, link=alerting.link)
    alerts = api_alerts(_get(alertmanager, matcher or []), alertmanager)
    redactor = sharing()
    # read as crumbs serve reads it: what is kept and sent is redacted as it is read
    with Store.open(db_path(ctx), create=False, redactor=redactor) as store:
        done = [
            h
            for h in (handle_new(store, a, alerting, redactor, "api") for a in alerts)
            if h is not None
        ]
    if output is Output.json:
        emit_json(
            {
                "investigations": [h.investigation.json(redactor) for h in done],
                "skipped": len(alerts) - len(done),
            }
        )
        return EXIT_OK
    out = console()
    for h in done:
        inv = h.investigation
        out.print(
            f"[bold]{clean(inv.alert.name)}[/] [dim]#{inv.id} · {inv.outcome}[/]  {clean(inv.headline)}"
        )
        if h.delivered or h.failed:
            out.print(f"  [dim]notified: {h.delivered} sent, {h.failed} failed[/]")
    out.print(f"[dim]{len(done)} investigated, {len(alerts) - len(done)} already were[/]")
    return EXIT_OK


def _get(base: str, matchers: list[str]) -> bytes:
    import urllib.error
    import urllib.request
    from urllib.parse import urlencode

    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--alertmanager {base}: an http(s) URL")
    filters = [
        m if any(op in m for op in ('="', '!="', '=~"', '!~"')) else _quoted(m) for m in matchers
    ]
    query = urlencode(
        [
            ("active", "true"),
            ("silenced", "false"),
            ("inhibited", "false"),
            *[("filter", f) for f in filters],
        ]
    )
    url = f"{base.rstrip('/')}/api/v2/alerts?{query}"
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return bytes(r.read(64 * 1024 * 1024))
    except urllib.error.HTTPError as err:
        raise InputError(
            base, f"HTTP {err.code}: {err.read()[:200].decode('utf-8', 'replace')}"
        ) from None
    except (urllib.error.URLError, OSError) as err:
        raise InputError(base, f"cannot be reached: {getattr(err, 'reason', err)}") from None


def _quoted(matcher: str) -> str:
    name, eq, value = matcher.partition("=")
    if not eq or not name:
        raise UsageError(f"--filter {matcher!r}: LABEL=VALUE")
    return f'{name}="{value}"'


investigations_app = typer.Typer(
    help="Alerts investigated (crumbs serve's webhook, crumbs investigate).", no_args_is_help=True
)


@investigations_app.command("list")
def investigations_list(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many, newest first."),
    fingerprint: str = typer.Option(None, "--fingerprint", help="Only this alert's."),
    output: Output = OUTPUT_OPTION,
) -> int:
    """The latest investigations: alert, outcome, the one-line answer."""
    from crumbs.app.investigate import listed

    with open_store(ctx) as store:
        doc = listed(store, limit, fingerprint)
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    for r in doc["investigations"]:
        out.print(
            f"{r['id']:>5}  {r['receivedAt'][:19]}  {clean(r['alertname'])} ({clean(r['status'])})  [dim]{r['outcome']}[/]  {clean(r['headline'])}"
        )
    if not doc["investigations"]:
        out.print("no investigations yet", style="dim")
    return EXIT_OK


@investigations_app.command("show")
def investigations_show(
    ctx: typer.Context,
    investigation: int = typer.Argument(..., help="Its id (crumbs investigations list)."),
    output: Output = OUTPUT_OPTION,
) -> int:
    """One investigation: the alert, the object, the findings as of its start, the notifications."""
    from crumbs.app.investigate import shown
    from crumbs.report import findings as report

    with open_store(ctx) as store:
        doc = shown(store, investigation)
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    a = doc["alert"]
    out.print(
        f"[bold]{clean(a['name'])}[/] {clean(a['status'])} since {a['startsAt']} · {doc['outcome']}"
    )
    subject = doc["subject"]
    where = f"{subject['kind']} {subject['namespace'] + '/' if subject['namespace'] else ''}{subject['name']} (from label {doc['mappedBy']})" if subject else f"no object named: namespace {doc['namespace'] or '(all)'}"  # fmt: skip
    out.print(f"about: {clean(where)}")
    out.print(f"\n{clean(doc['headline'])}\n")
    for f in doc["findings"]:
        out.print(f"[bold]{clean(f['severity']).upper()}[/] {clean(f['title'])}")
        for c in f["causes"][:3]:
            if c["score"] >= report.USEFUL:
                out.print(
                    f"  cause {c['rank']} ({c['score']:.2f}) {c['at']}  {clean(c['subject']['kind'])}/{clean(c['subject']['name'])}: {clean(c['summary'])}"
                )
    for n in doc["notifications"]:
        out.print(
            f"[dim]{n['kind']} {clean(n['destination'])}: {n['state']} after {n['attempts']} attempt(s), {n['latencyMs']} ms{(' — ' + clean(n['error'])) if n['error'] else ''}[/]"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("investigate")(investigate)
    app.add_typer(investigations_app, name="investigations")
