"""What every reading command asks of the store before it reads: its clock, times as users
write them, kinds as users type them, the one object a KIND/NAME names. Typed, without the
command line: the CLI, the copilot's tools and the HTTP API call the same functions."""

from __future__ import annotations

from crumbs import kinds
from crumbs.errors import NotFoundError, UsageError
from crumbs.store import Selector, Store
from crumbs.timeutil import RANGE, parse_duration, parse_when, time_problem


def store_clock(store: Store) -> int:
    """The latest time the store has seen: "now" for recorded data."""
    latest = store.queries.latest_time()
    if latest is None:
        raise NotFoundError(f"{store.shown}: the store is empty (run `crumbs ingest PATH` first)")
    return latest


def copilot_clock(store: Store) -> int | None:
    """The time the copilot answers as of: the store's clock, or None for a store with no
    revision yet (the copilot says it is empty rather than failing)."""
    return store_clock(store) if store.queries.has_revisions() else None


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
