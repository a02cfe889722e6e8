"""The analyzer Protocol and the registry: built-ins and (later) WebAssembly analyzers alike.

An analyzer is a name, a description, the kinds it looks at, and
``analyze(view) -> findings``: pure, over a read-only view. The registry is a
plain dict from name to analyzer (the pattern of pre-commit's languages).

Each analyzer belongs to a profile: ``default`` (what breaks or is about to: every scan) or
``lint`` (hygiene and security settings that break nothing today: ``scan --profile lint``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from crumbs.analyze.view import ClusterView
from crumbs.errors import UsageError
from crumbs.model import Finding


class Analyzer(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def kinds(self) -> tuple[str, ...]: ...

    def analyze(self, view: ClusterView) -> Iterable[Finding]: ...


@dataclass(frozen=True)
class Builtin:
    name: str
    description: str
    kinds: tuple[str, ...]
    run: Callable[[ClusterView], Iterable[Finding]]
    profile: str = "default"

    def analyze(self, view: ClusterView) -> Iterable[Finding]:
        return self.run(view)


REGISTRY: dict[str, Analyzer] = {}
PROFILES = {"default": frozenset({"default"}), "lint": frozenset({"default", "lint"})}
"""Which analyzers a profile runs: ``lint`` is everything ``default`` runs and the lint checks."""


def profile_of(a: Analyzer) -> str:
    """The profile an analyzer belongs to (plugins: ``default``)."""
    return str(getattr(a, "profile", "default"))


def analyzer(
    name: str, kinds: tuple[str, ...], description: str, profile: str = "default"
) -> Callable[
    [Callable[[ClusterView], Iterable[Finding]]], Callable[[ClusterView], Iterable[Finding]]
]:
    """Register a function as a built-in analyzer."""

    def register(
        fn: Callable[[ClusterView], Iterable[Finding]],
    ) -> Callable[[ClusterView], Iterable[Finding]]:
        REGISTRY[name] = Builtin(name, description, kinds, fn, profile)
        return fn

    return register


def load_builtins() -> dict[str, Analyzer]:
    """Import every built-in analyzer module (each registers itself) and return the registry."""
    from crumbs.analyze import (  # noqa: F401 - imported for their registrations
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

    return REGISTRY


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
    registry = {**load_builtins(), **{a.name: a for a in extra}}
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
