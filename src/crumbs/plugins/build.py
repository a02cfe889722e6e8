"""``crumbs plugin new`` and ``build``: a plugin from a template, and its source compiled to a module.

WAT is compiled by wasmtime itself; C and Zig by Zig's toolchain from the
``ziglang`` package on PyPI (``python -m ziglang``): C for wasm32-wasi as a
reactor, Zig for wasm32-freestanding. No other toolchain is needed.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

from crumbs.errors import CrumbsError, UsageError
from crumbs.plugins.manifest import NAME

LANGS = {"wat": ".wat", "c": ".c", "zig": ".zig"}
EXPORTS = ("alloc", "analyze", "crumbs_abi_version")


class BuildError(CrumbsError):
    """A plugin's source did not compile; the message holds the compiler's first lines."""


def new(name: str, lang: str, parent: Path) -> Path:
    """``parent/name/``: the template in ``lang`` and a manifest, ready to build."""
    if not NAME.match(name):
        raise UsageError(f"{name!r}: a plugin name is lowercase letters, digits, '.', '_' and '-'")
    if lang not in LANGS:
        raise UsageError(f"--lang {lang!r}: one of {', '.join(LANGS)}")
    target = parent / name
    if target.exists():
        raise UsageError(f"{target} exists already")
    target.mkdir(parents=True)
    templates = resources.files("crumbs.plugins").joinpath("templates")
    source = templates.joinpath(f"plugin{LANGS[lang]}").read_text().replace("__NAME__", name)
    (target / f"{name}{LANGS[lang]}").write_text(source)
    (target / f"{name}.toml").write_text(
        templates.joinpath("plugin.toml").read_text().replace("__NAME__", name)
    )
    return target


def sources(path: Path) -> list[Path]:
    """The sources a path names: a source file, or those in a plugin directory."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in LANGS.values())
    raise UsageError(f"{path}: no such file or directory")


def build(source: Path) -> Path:
    """Compile ``source`` to ``source.with_suffix('.wasm')``; BuildError with the compiler's words."""
    out = source.with_suffix(".wasm")
    if source.suffix == ".wat":
        from crumbs.plugins.host import PluginError
        from crumbs.plugins.loader import module_bytes

        try:
            wasm = module_bytes(source)
        except PluginError as err:
            raise BuildError(f"{source}: {err}") from None
        validate(source, wasm)
        out.write_bytes(wasm)
        return out
    zig = [sys.executable, "-m", "ziglang"]
    if source.suffix == ".c":
        cmd = [*zig, "cc", "-target", "wasm32-wasi", "-mexec-model=reactor", "-O2", "-s",
               *(f"-Wl,--export={e}" for e in EXPORTS), "-o", str(out), str(source)]  # fmt: skip
    elif source.suffix == ".zig":
        cmd = [*zig, "build-exe", "-target", "wasm32-freestanding", "-fno-entry", "-rdynamic",
               "-O", "ReleaseSmall", f"-femit-bin={out}", str(source)]  # fmt: skip
    else:
        raise UsageError(f"{source}: not a plugin source (.wat, .c, .zig)")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=source.parent, timeout=600)
    except FileNotFoundError:
        raise BuildError("cannot run Python's ziglang module") from None
    if done.returncode != 0:
        if "No module named ziglang" in done.stderr:
            raise BuildError(f"{source}: needs Zig's toolchain: pip install ziglang")
        first = "; ".join(line for line in done.stderr.strip().splitlines()[:3])
        raise BuildError(f"{source}: {first or f'exit code {done.returncode}'}")
    try:
        validate(source, out.read_bytes())
    except BuildError:
        out.unlink(missing_ok=True)
        raise
    return out


def validate(source: Path, wasm: bytes) -> None:
    """What scan would check before running it: the module compiles (types validated) and
    exports the ABI; BuildError with the validator's own words."""
    from crumbs.plugins.host import PluginError, check_exports, compile_module

    try:
        check_exports(compile_module(wasm))
    except PluginError as err:
        raise BuildError(f"{source}: {err}") from None
