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

from crumbs.errors import UsageError
from crumbs.store import Store


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


ONLY_NAMESPACE_OPTION = typer.Option(
    None, "--namespace", "-n", help="Only this namespace (default: all)."
)
ALL_NAMESPACES_OPTION = typer.Option(
    False, "--all-namespaces", "-A", help="Every namespace (the default without -n)."
)


def selector_option(help: str = "Label selector: app=web, env in (prod,qa), !canary.") -> Any:
    """kubectl's ``-l/--selector``, with what it selects in this command."""
    return typer.Option(None, "--selector", "-l", help=help)


SELECTOR_OPTION = selector_option()


def one_scope(namespace: str | None, all_namespaces: bool) -> None:
    """kubectl's rule: -n and -A together are a usage error."""
    if all_namespaces and namespace:
        raise UsageError("-A and -n: choose one (-A lists every namespace)")


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


def quiet(ctx: typer.Context) -> bool:
    """``crumbs -q``: no progress display."""
    root = ctx.find_root()
    return bool(isinstance(root.obj, dict) and root.obj.get("quiet"))


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
