"""The host's policy for plugins: the most any manifest may ask for.

A manifest states the limits its plugin needs; the host caps each at its own
maximum, so a plugin found in a shared plugins directory cannot grant itself
gigabytes or minutes. Defaults, and the environment variables that change them:

=================  ============  ==============================
limit              host maximum  environment variable
=================  ============  ==============================
fuel (per call)    10,000,000,000  CRUMBS_PLUGIN_MAX_FUEL
memory_mb          256           CRUMBS_PLUGIN_MAX_MEMORY_MB
timeout_ms         10,000        CRUMBS_PLUGIN_MAX_TIMEOUT_MS
output_kb          16,384        CRUMBS_PLUGIN_MAX_OUTPUT_KB
=================  ============  ==============================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from crumbs.errors import UsageError
from crumbs.plugins.manifest import Limits


@dataclass(frozen=True)
class HostMaxima:
    fuel: int = 10_000_000_000
    memory_mb: int = 256
    timeout_ms: int = 10_000
    output_kb: int = 16_384


def maxima() -> HostMaxima:
    """The host's maxima, from the environment where it says (a bad value is a usage error)."""
    out = HostMaxima()
    for f in fields(HostMaxima):
        env = f"CRUMBS_PLUGIN_MAX_{f.name.upper()}"
        text = os.environ.get(env)
        if text is None:
            continue
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise UsageError(f"{env}={text!r}: not an integer") from None
        if value <= 0:
            raise UsageError(f"{env}={text!r}: must be positive")
        out = replace(out, **{f.name: value})
    return out


def capped(asked: Limits, host: HostMaxima) -> tuple[Limits, list[str]]:
    """The limits a plugin runs with, and a note per limit the host lowered."""
    notes = []
    values = {}
    for f in fields(Limits):
        want, most = getattr(asked, f.name), getattr(host, f.name)
        values[f.name] = min(want, most)
        if want > most:
            notes.append(f"limits.{f.name} {want:,} capped at the host's {most:,}")
    return Limits(**values), notes
