"""A plugin's manifest: what it is, what it looks at, how it is called, what it may use.

Beside the module (``NAME.toml`` next to ``NAME.wasm``, or ``plugin.toml`` in
its directory) or inside it, as the custom section ``crumbs.manifest`` (the
same fields as JSON). The file wins over the section::

    name = "owner-label"            # the analyzer is wasm:owner-label
    version = "1.0.0"
    description = "CronJobs must carry an owner label"
    kinds = ["CronJob"]             # what it is given
    mode = "object"                 # "object": one call per object; "batch": one call with all of them
    related = false                 # per object: also its owners, what it owns, the pods a Service selects
    [limits]
    fuel = 50_000_000               # instructions (roughly) per call
    memory_mb = 64                  # linear memory
    timeout_ms = 1000               # wall time per call
    output_kb = 1024                # largest output
    [wasi]
    dirs = []                       # host directories to see (read-only), only with --plugin-allow-dirs
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SECTION = "crumbs.manifest"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Limits:
    fuel: int = 50_000_000
    memory_mb: int = 64
    timeout_ms: int = 1_000
    output_kb: int = 1_024


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str = "0.0.0"
    description: str = ""
    kinds: tuple[str, ...] = ()
    mode: str = "object"
    limits: Limits = field(default_factory=Limits)
    dirs: tuple[str, ...] = ()
    """Host directories the plugin asks to read through WASI (granted only when the user allows)."""
    related: bool = False
    """Per object, also send ``related``: its controlling owners, what it owns, a Service's pods."""


_LIMIT_CAPS = {"fuel": 10**12, "memory_mb": 4096, "timeout_ms": 600_000, "output_kb": 65_536}


def parse(data: dict[str, Any], where: str) -> Manifest:
    def fail(message: str) -> ManifestError:
        return ManifestError(f"{where}: {message}")

    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise fail('"name" must be a short lowercase name (a-z, 0-9, ".", "_", "-")')
    kinds = data.get("kinds", [])
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) and k for k in kinds):
        raise fail('"kinds" must be a non-empty list of kinds (["CronJob"])')
    mode = data.get("mode", "object")
    if mode not in ("object", "batch"):
        raise fail(f'"mode" must be "object" or "batch", not {mode!r}')
    raw_limits = data.get("limits", {})
    if not isinstance(raw_limits, dict):
        raise fail('"limits" must be a table')
    limits: dict[str, int] = {}
    for key, value in raw_limits.items():
        if key not in _LIMIT_CAPS:
            raise fail(f"unknown limit {key!r} (known: {', '.join(_LIMIT_CAPS)})")
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 < value <= _LIMIT_CAPS[key]
        ):
            raise fail(f"limits.{key} must be a positive integer up to {_LIMIT_CAPS[key]:,}")
        limits[key] = value
    wasi = data.get("wasi", {})
    dirs = wasi.get("dirs", []) if isinstance(wasi, dict) else None
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise fail('"wasi.dirs" must be a list of paths')
    related = data.get("related", False)
    if not isinstance(related, bool):
        raise fail('"related" must be true or false')
    for text_field in ("version", "description"):
        if not isinstance(data.get(text_field, ""), str):
            raise fail(f'"{text_field}" must be a string')
    return Manifest(
        name=name,
        version=str(data.get("version") or "0.0.0"),
        description=str(data.get("description") or ""),
        kinds=tuple(kinds),
        mode=mode,
        limits=Limits(**limits),
        dirs=tuple(dirs),
        related=related,
    )


def beside(module: Path) -> Path | None:
    """The manifest file of ``module``, if there is one."""
    for candidate in (module.with_suffix(".toml"), module.parent / "plugin.toml"):
        if candidate.is_file():
            return candidate
    return None


def load(module: Path, section: bytes | None) -> Manifest:
    """The manifest beside ``module``, else its ``crumbs.manifest`` section; ManifestError if neither."""
    path = beside(module)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ManifestError(f"{path}: not a readable TOML manifest: {err}") from None
        return parse(data, str(path))
    if section is not None:
        try:
            value = orjson.loads(section)
        except orjson.JSONDecodeError as err:
            raise ManifestError(f"{module}: custom section {SECTION} is not JSON: {err}") from None
        if not isinstance(value, dict):
            raise ManifestError(f"{module}: custom section {SECTION} is not a JSON object")
        return parse(value, f"{module} ({SECTION})")
    raise ManifestError(
        f"{module}: no manifest ({module.with_suffix('.toml').name} beside it, or a {SECTION} section)"
    )


def custom_section(wasm: bytes, name: str = SECTION) -> bytes | None:
    """The payload of a custom section of a binary module (None if absent or unreadable)."""
    if wasm[:4] != b"\0asm":
        return None
    pos = 8
    while pos < len(wasm):
        sid = wasm[pos]
        size, pos = _leb(wasm, pos + 1)
        end = pos + size
        if end > len(wasm):
            return None
        if sid == 0:
            n, p = _leb(wasm, pos)
            if wasm[p : p + n] == name.encode():
                return wasm[p + n : end]
        pos = end
    return None


def _leb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data):
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    return result, pos
