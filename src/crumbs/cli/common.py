"""What every command shares: the store option, output formats, times, object arguments."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import orjson
import typer

from crumbs import kinds
from crumbs.errors import NotFoundError, UsageError
from crumbs.store import Selector, Store
from crumbs.timeutil import RANGE, parse_duration, parse_when, time_problem


class Output(StrEnum):
    text = "text"
    json = "json"


class ObjectOutput(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"


OUTPUT_OPTION = typer.Option(
    Output.text, "--output", "-o", help="text or json (the documented contract)."
)
NAMESPACE_OPTION = typer.Option(
    None, "--namespace", "-n", help="Namespace (default: the only one that has the object)."
)


class OnOff(StrEnum):
    on = "on"
    off = "off"


SECRET_DIGESTS_OPTION = typer.Option(
    OnOff.on,
    "--secret-digests",
    envvar="CRUMBS_SECRET_DIGESTS",
    help="on: Secret values are kept as digests keyed with the host key (a changed value shows "
    "in diff); off: only their keys are kept.",
)
CLUSTER_OPTION = typer.Option(
    None, "--cluster", help="Only this cluster of the store (default: all)."
)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Bulk loads and scans allocate millions of dicts: the cyclic GC would triple the time.

    On the way out what is alive is frozen (``gc.freeze``): re-enabled, the collector would
    otherwise walk those millions of objects once more (1.2 s after a 100k-object scan) only to
    find them alive; refcounting still frees them when they go.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def default_db_path() -> str:
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("crumbs", appauthor=False), "crumbs.db")


def db_path(ctx: typer.Context) -> str:
    root = ctx.find_root()
    path = (root.obj or {}).get("db") if isinstance(root.obj, dict) else None
    return path or os.environ.get("CRUMBS_DB") or default_db_path()


def open_store(ctx: typer.Context, create: bool = False) -> Store:
    """The store; with the root's ``--redact``, as the copilot, MCP and HTTP clients see it."""
    root = ctx.find_root()
    redact = isinstance(root.obj, dict) and bool(root.obj.get("redact"))
    if redact:
        from crumbs.redaction import sharing

        return Store.open(db_path(ctx), create=create, redactor=sharing())
    return Store.open(db_path(ctx), create=create)


def emit_json(value: Any) -> None:
    sys.stdout.buffer.write(
        orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
    )
    sys.stdout.flush()


def store_clock(store: Store) -> int:
    """The latest time the store has seen: "now" for recorded data."""
    latest = store.queries.latest_time()
    if latest is None:
        raise NotFoundError(f"{store.path}: the store is empty (run `crumbs ingest PATH` first)")
    return latest


def parse_time_option(text: str, option: str, reference: int) -> int:
    t = parse_when(text, reference)
    if t is None:
        if parse_duration(text.strip().removesuffix(" ago").removeprefix("-")) is not None or (
            "outside" in time_problem(text.strip())
        ):
            raise UsageError(f"{option} {text[:40]!r}: outside the times Crumbs can keep ({RANGE})")
        raise UsageError(
            f"{option} {text[:40]!r}: not a time (RFC 3339, a date, or a duration such as 2h or 30m)"
        )
    return t


def window(
    store: Store, since: str | None, start: str | None, end: str | None
) -> tuple[int | None, int | None]:
    """``--since 2h`` or ``--from T --to T``; durations count back from the store's clock."""
    if since and (start or end):
        raise UsageError("--since cannot be used with --from/--to")
    if not (since or start or end):
        return None, None
    clock = store_clock(store)
    if since:
        return parse_time_option(since, "--since", clock), None
    lo = parse_time_option(start, "--from", clock) if start else None
    hi = parse_time_option(end, "--to", clock) if end else None
    if lo is not None and hi is not None and lo > hi:
        raise UsageError("--from is after --to")
    return lo, hi


def resolve_kind(store: Store, text: str) -> list[tuple[str | None, str]]:
    """A kind as typed (``deploy``, ``Deployment``, ``deployments.apps``, a CRD) → (group, kind) pairs."""
    found: list[tuple[str | None, str]] = list(kinds.resolve(text))
    word, _, group = text.partition(".")
    lw = word.lower()
    for g, k in store.queries.kinds_present():
        if group and g != group:
            continue
        if lw in (k.lower(), k.lower() + "s", k.lower() + "es") and (g, k) not in found:
            found.append((g, k))
    if not found:
        raise UsageError(f"unknown kind {text!r}")
    return found


def split_target(target: str, name: str | None = None) -> tuple[str, str | None]:
    """``deploy/billing`` or ``deploy billing`` → (kind text, name)."""
    if "/" in target:
        if name:
            raise UsageError(f"give KIND/NAME or KIND NAME, not both: {target} {name}")
        kind, _, nm = target.partition("/")
        if not kind or not nm:
            raise UsageError(f"{target!r}: expected KIND/NAME")
        return kind, nm
    return target, name


def object_selector(
    store: Store, target: str, namespace: str | None, cluster: str | None, name: str | None = None
) -> Selector:
    """The one object a KIND/NAME names; without ``-n``, the only namespace holding it."""
    kind_text, nm = split_target(target, name)
    if nm is None:
        raise UsageError(f"{target!r}: expected KIND/NAME")
    kinds_ = resolve_kind(store, kind_text)
    sel = Selector(cluster=cluster, namespace=namespace, kinds=kinds_, name=nm)
    places = store.queries.namespaces_of(sel)
    if not places:
        where = f" in namespace {namespace}" if namespace is not None else ""
        raise NotFoundError(f"{kind_text}/{nm}{where}: not in the store")
    if namespace is None:
        if len(places) > 1:
            raise UsageError(
                f"{kind_text}/{nm} is in several namespaces ({', '.join(p or '(cluster)' for p in places)}): give -n"
            )
        sel = Selector(cluster=cluster, namespace=places[0], kinds=kinds_, name=nm)
    return sel
