"""``--to URL``: ``watch`` and ``agent`` ship what they record to a central ``crumbs serve``;
and the shipping lines of ``crumbs status``."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import typer

from crumbs.cli.common import db_path
from crumbs.contract import ShippingRef
from crumbs.errors import UsageError
from crumbs.report.text import clean
from crumbs.timeutil import humanize_age, now_ns, parse_time

TO_OPTION = typer.Option(
    None, "--to",
    help="Ship what is recorded to this crumbs serve (its /api/v1/ingest), with the token of --token-file or CRUMBS_SHIP_TOKEN; the store (--db) is the spool.",
)  # fmt: skip
SPOOL_OPTION = typer.Option(
    1024.0, "--spool-max-mb", min=1.0,
    help="With --to: the spool's bound; beyond it, while the server cannot be reached, the oldest undelivered history is dropped (objects' newest state kept).",
)  # fmt: skip


def shipper_for(
    ctx: typer.Context, url: str, token_file: str | None, cluster: str, spool_max_mb: float
) -> Any:
    from crumbs.explain.bearer import read_token
    from crumbs.ship.sender import Shipper

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--to {url!r}: an http:// or https:// URL of a crumbs serve")
    token = (
        read_token(token_file)
        if token_file
        else (os.environ.get("CRUMBS_SHIP_TOKEN") or "").strip()
    )
    if not token:
        raise UsageError(
            "--to: the cluster's ingest token is needed (--token-file FILE or CRUMBS_SHIP_TOKEN)"
        )

    def warn(message: str) -> None:
        sys.stderr.write(f"crumbs: warning: {message}\n")

    return Shipper(db_path(ctx), url, token, cluster, int(spool_max_mb * 1024 * 1024), warn)


@contextlib.contextmanager
def shipping(shipper: Any) -> Iterator[None]:
    """The shipper on its own thread while the recording runs; it delivers what is left
    (for up to 10 s) when the recording stops."""
    if shipper is None:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=shipper.run, args=(stop,), name="crumbs-ship", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def shipping_lines(out: Any, rows: list[ShippingRef]) -> None:
    now = now_ns()
    for s in rows:
        last = parse_time(s["lastDelivery"]) if s["lastDelivery"] else None
        when = humanize_age(now - last) + " ago" if last is not None else "never"
        if s["role"] == "sender":
            out.print(
                f"shipping {clean(s['cluster'])} to {clean(s['peer'])}: {clean(s['state'])}, {s['pending']:,} pending, "
                f"spool {s['spoolBytes'] / 1e6:.1f} MB, {s['shipped']:,} delivered (last {when}), {s['lost']:,} lost"
                + (f", error: {clean((s['lastError'] or '')[:80])}" if s["lastError"] else "")
            )
        else:
            lag = f", {s['lagSeconds']:,.0f}s behind" if s["lagSeconds"] is not None else ""
            out.print(
                f"receiving {clean(s['cluster'])}: {s['shipped']:,} records in {s['batches']:,} deliveries (last {when}{lag})"
            )
