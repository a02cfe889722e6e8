"""The built-in analyzers, listed (the pattern of pre-commit's ``all_languages.py``): each module
defines its analyzer, this one lists them; nothing registers itself, so nothing imports in a
circle. The WebAssembly analyzers join them in :func:`choose`.

Each analyzer belongs to a profile: ``default`` (what breaks or is about to: every scan) or
``lint`` (hygiene and security settings that break nothing today: ``scan --profile lint``).
"""

from __future__ import annotations

from collections.abc import Iterable

from crumbs.analyze import (
    apis,
    autoscaling,
    batch,
    conditions,
    config,
    cron,
    discovery,
    hands,
    hygiene,
    namespaces,
    network,
    nodecron,
    nodes,
    paused,
    pods,
    policy,
    rbac,
    security,
    services,
    storage,
    webhooks,
    workloads,
)
from crumbs.analyze.base import Analyzer, Builtin
from crumbs.errors import UsageError

__all__ = ["BUILTINS", "PROFILES", "Analyzer", "Builtin", "choose", "load_builtins", "profile_of"]

_JUDGING: tuple[Builtin, ...] = (
    pods.analyze, workloads.analyze, services.analyze, network.analyze, batch.analyze,
    cron.analyze, storage.analyze, nodes.analyze, namespaces.analyze, rbac.analyze,
    webhooks.analyze, autoscaling.analyze, policy.analyze, config.analyze, paused.analyze,
    apis.analyze, discovery.analyze, nodecron.analyze, hands.analyze,
    hygiene.analyze, security.analyze,
)  # fmt: skip
"""The analyzers of particular kinds; ``conditions`` judges the conditions of all the others."""
BUILTINS: dict[str, Analyzer] = {
    a.name: a for a in (*_JUDGING, conditions.judging_the_rest(_JUDGING))
}
PROFILES = {"default": frozenset({"default"}), "lint": frozenset({"default", "lint"})}
"""Which analyzers a profile runs: ``lint`` is everything ``default`` runs and the lint checks."""


def profile_of(a: Analyzer) -> str:
    """The profile an analyzer belongs to (plugins: ``default``)."""
    return str(getattr(a, "profile", "default"))


def load_builtins() -> dict[str, Analyzer]:
    """The built-in analyzers by name."""
    return BUILTINS


def choose(
    enable: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    extra: Iterable[Analyzer] = (),
    profile: str = "default",
) -> list[Analyzer]:
    """The analyzers to run: the profile's (or ``enable``, whatever their profile) but ``disable``;
    unknown names are a usage error.

    ``extra``: analyzers beside the built-ins (the WebAssembly plugins, ``wasm:<name>``).
    """
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    registry = {**BUILTINS, **{a.name: a for a in extra}}
    wanted = (
        list(enable)
        if enable
        else [n for n, a in registry.items() if profile_of(a) in PROFILES[profile]]
    )
    unknown = [n for n in [*wanted, *disable] if n not in registry]
    if unknown:
        raise UsageError(
            f"unknown analyzer {', '.join(unknown)} (known: {', '.join(sorted(registry))})"
        )
    return [registry[n] for n in wanted if n not in set(disable)]
