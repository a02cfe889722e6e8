"""Finding and loading plugins: a module (``.wasm``, or ``.wat`` compiled on load), its manifest, checks.

Plugins are enabled from the plugins directories (``$CRUMBS_PLUGINS``, a
``:``-separated list, else ``~/.config/crumbs/plugins``): every ``*.wasm`` or
``*.wat`` in them or one level below; and one by one with ``--plugin PATH``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from crumbs.errors import UsageError

if TYPE_CHECKING:
    from crumbs.plugins.analyzer import WasmAnalyzer

# wasmtime (and the modules that need it) are imported only when there is a plugin to load:
# every scan, why and analyzers asks for plugins, and most find none.

SUFFIXES = (".wasm", ".wat")


def plugin_dirs() -> list[Path]:
    env = os.environ.get("CRUMBS_PLUGINS")
    if env is not None:
        return [Path(p) for p in env.split(os.pathsep) if p]
    from platformdirs import user_config_dir

    return [Path(user_config_dir("crumbs", appauthor=False)) / "plugins"]


def discover(dirs: list[Path]) -> list[Path]:
    """Modules in ``dirs`` and their subdirectories (one level); a .wasm wins over a .wat of the same name."""
    found: dict[Path, Path] = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(
            [
                *d.iterdir(),
                *(p for sub in sorted(d.iterdir()) if sub.is_dir() for p in sub.iterdir()),
            ]
        ):
            if path.suffix in SUFFIXES and path.is_file():
                stem = path.with_suffix("")
                if stem not in found or path.suffix == ".wasm":
                    found[stem] = path
    return sorted(found.values())


def module_bytes(path: Path) -> bytes:
    """The binary module of ``path`` (WAT is compiled)."""
    import wasmtime

    from crumbs.plugins.host import PluginError

    data = path.read_bytes()
    if path.suffix == ".wat" or not data.startswith(b"\0asm"):
        try:
            return bytes(wasmtime.wat2wasm(data.decode("utf-8")))
        except (wasmtime.WasmtimeError, UnicodeDecodeError) as err:
            raise PluginError(f"not WebAssembly text or binary: {_wat_reason(err)}") from None
    return data


def _wat_reason(err: BaseException) -> str:
    """wat2wasm's message (its first line) and where (``--> <anon>:LINE:COL``)."""
    lines = str(err).strip().splitlines()
    if not lines:
        return type(err).__name__
    where = next((line.split("<anon>:", 1)[1] for line in lines if "<anon>:" in line), "")
    return lines[0] + (f" (line {where})" if where else "")


def load_plugin(path: Path, allow_dirs: bool = False, cache: Path | None = None) -> WasmAnalyzer:
    """The plugin at ``path`` as an analyzer; a broken one still loads, and reports why when it runs."""
    from crumbs.plugins.analyzer import WasmAnalyzer
    from crumbs.plugins.host import PluginError, check_exports, compile_module
    from crumbs.plugins.manifest import ManifestError, custom_section, load
    from crumbs.plugins.policy import capped, maxima

    try:
        wasm = module_bytes(path)
        manifest = load(path, custom_section(wasm))
    except (OSError, PluginError, ManifestError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        return WasmAnalyzer(path, None, None, str(reason), allow_dirs, path.stem)
    limits, notes = capped(manifest.limits, maxima())
    manifest = replace(manifest, limits=limits)
    try:
        module = compile_module(wasm, cache)
        check_exports(module)
    except PluginError as err:
        return WasmAnalyzer(path, manifest, None, str(err), allow_dirs, notes=notes)
    return WasmAnalyzer(path, manifest, module, "", allow_dirs, notes=notes)


def load_all(
    paths: list[str] | None = None, allow_dirs: bool = False, use_dirs: bool = True
) -> list[WasmAnalyzer]:
    """The plugins of the plugins directories, then ``paths`` (``--plugin``); a missing path is a usage error."""
    chosen = discover(plugin_dirs()) if use_dirs else []
    for p in paths or []:
        path = Path(p)
        if path.is_dir():
            inside = discover([path])
            if not inside:
                raise UsageError(f"--plugin {p}: no .wasm or .wat module in it")
            chosen.extend(inside)
        elif path.is_file():
            chosen.append(path)
        else:
            raise UsageError(f"--plugin {p}: no such file")
    plugins = [load_plugin(p, allow_dirs) for p in dict.fromkeys(chosen)]
    names: dict[str, Path] = {}
    for plugin in plugins:
        if plugin.name in names and names[plugin.name] != plugin.path:
            raise UsageError(
                f"two plugins are named {plugin.name}: {names[plugin.name]} and {plugin.path}"
            )
        names[plugin.name] = plugin.path
    return plugins
