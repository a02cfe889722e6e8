"""ABI v1, the host side: a sandboxed wasmtime instance called fast.

The module exports ``memory``, ``alloc(len: i32) -> i32``, ``analyze(ptr: i32,
len: i32) -> i64`` returning ``(out_ptr << 32) | out_len``, and
``crumbs_abi_version() -> i32`` (1). The host writes the input at
``alloc(len)``, calls ``analyze``, and reads ``out_len`` bytes at ``out_ptr``.

Sandbox: fuel per call (deterministic CPU), an epoch deadline (wall time; one
engine-wide ticker thread), a memory cap (``memory.grow`` fails beyond it),
an output cap, each at most the host's maximum (:mod:`crumbs.plugins.policy`);
WASI only without filesystem, network, environment or arguments, unless the
manifest asks for directories and the user allows them, and without sleeping
(``poll_oneoff`` answers ENOTSUP at once: a host call cannot be interrupted by
the deadline). A trap, running out of fuel or time, or a broken ABI is a
:class:`PluginError`; the instance (and its Store) is then unusable and is
dropped.

Compiled modules are cached on disk (a 0700 directory), each file
authenticated with the host key over the module, the engine and the compiled
bytes: a file swapped or damaged in the cache is compiled again, never run.

Speed: wasmtime-py's ``Func.__call__`` checks types and boxes values on every
call (~50 µs). Here the function handles are resolved once and called through
``wasmtime_func_call_unchecked`` with a preallocated raw argument array, input
is copied with one ``memmove``, and the memory's base pointer is re-read after
each call (``memory.grow`` may move it).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import hmac
import os
import re
import threading
import time
from collections.abc import Callable
from ctypes import POINTER, byref
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

from crumbs.errors import KeyFileError
from crumbs.keys import host_key, keyed
from crumbs.plugins.manifest import Manifest

ABI_VERSION = 1
TICK_MS = 5
REQUIRED = {"memory": "memory", "alloc": "func", "analyze": "func", "crumbs_abi_version": "func"}


class PluginError(Exception):
    """The plugin failed (trap, fuel, time, memory, ABI); the message says how, for people."""


_engine: wasmtime.Engine | None = None
_engine_lock = threading.Lock()


def engine() -> wasmtime.Engine:
    """One engine for every plugin: fuel and epoch interruption on, a ticker thread for the epoch."""
    global _engine
    with _engine_lock:
        if _engine is None:
            cfg = wasmtime.Config()
            cfg.consume_fuel = True
            cfg.epoch_interruption = True
            cfg.cranelift_opt_level = "speed"
            _engine = wasmtime.Engine(cfg)
            threading.Thread(target=_tick, args=(_engine,), name="wasm epoch", daemon=True).start()
        return _engine


def _tick(e: wasmtime.Engine) -> None:
    while True:
        time.sleep(TICK_MS / 1000)
        e.increment_epoch()


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(
        os.environ.get("CRUMBS_WASM_CACHE")
        or Path(user_cache_dir("crumbs", appauthor=False)) / "wasm"
    )


_MAGIC = b"CRWC1\0"
_MAC_LEN = 32


def compile_module(wasm: bytes, cache: Path | None = None) -> wasmtime.Module:
    """The compiled module, from the disk cache when this engine compiled the same bytes before."""
    e = engine()
    directory = cache if cache is not None else cache_dir()
    name = hashlib.sha256(engine_fingerprint().encode() + b"\0" + wasm).hexdigest()
    path = directory / f"{name}.cwasm"
    key = _cache_key()
    usable = key is not None and _private_dir(directory)
    if usable and path.is_file():
        module = _cached(e, path, name, key)  # type: ignore[arg-type]
        if module is not None:
            return module
        path.unlink(missing_ok=True)  # swapped, damaged or stale: compile again
    try:
        module = wasmtime.Module(e, wasm)
    except wasmtime.WasmtimeError as err:
        raise PluginError(f"not a valid WebAssembly module: {reason(err)}") from None
    if usable:
        compiled = module.serialize()
        try:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(_MAGIC + _mac(key, name, compiled) + compiled)  # type: ignore[arg-type]
            tmp.replace(path)
        except OSError:
            pass  # no cache this time
    return module


def _cached(e: wasmtime.Engine, path: Path, name: str, key: bytes) -> wasmtime.Module | None:
    """The cached module if the file is whole and was written with this host key, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, mac, compiled = (
        data[: len(_MAGIC)],
        data[len(_MAGIC) : len(_MAGIC) + _MAC_LEN],
        data[len(_MAGIC) + _MAC_LEN :],
    )
    if head != _MAGIC or not hmac.compare_digest(mac, _mac(key, name, compiled)):
        return None
    try:
        return wasmtime.Module.deserialize(e, compiled)
    except wasmtime.WasmtimeError:
        return None


def _mac(key: bytes, name: str, compiled: bytes) -> bytes:
    return bytes.fromhex(keyed(key, "wasm-cache", name.encode() + b"\0" + compiled))


def _cache_key() -> bytes | None:
    try:
        return host_key()
    except KeyFileError:
        return None  # no key, no cache: every load compiles


def _private_dir(directory: Path) -> bool:
    """The cache directory, made 0700 if new; a directory others may write to is not used."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = directory.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


@functools.cache
def engine_fingerprint() -> str:
    """What compiled code depends on: wasmtime's version and the engine's settings."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("wasmtime")
    except PackageNotFoundError:
        v = "unknown"
    return f"wasmtime {v}; fuel; epoch; opt=speed; abi {ABI_VERSION}"


def reason(err: BaseException) -> str:
    """The line that says what went wrong: wasmtime puts it last ("Caused by: ... type mismatch")."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    last = re.sub(r"^\d+:\s*", "", lines[-1])
    return last


def check_exports(module: wasmtime.Module) -> None:
    found = {}
    for exp in module.exports:
        ty = exp.type
        found[exp.name] = (
            "memory"
            if isinstance(ty, wasmtime.MemoryType)
            else "func"
            if isinstance(ty, wasmtime.FuncType)
            else "other"
        )
    missing = [f"{name} ({kind})" for name, kind in REQUIRED.items() if found.get(name) != kind]
    if missing:
        raise PluginError(f"breaks the ABI: missing export {', '.join(missing)}")
    sigs = {
        exp.name: exp.type
        for exp in module.exports
        if exp.name in REQUIRED and isinstance(exp.type, wasmtime.FuncType)
    }

    def sig(name: str) -> str:
        t = sigs[name]
        return (
            f"({', '.join(str(p) for p in t.params)}) -> ({', '.join(str(r) for r in t.results)})"
        )

    want = {
        "alloc": "(i32) -> (i32)",
        "analyze": "(i32, i32) -> (i64)",
        "crumbs_abi_version": "() -> (i32)",
    }
    wrong = [f"{n} is {sig(n)}, expected {w}" for n, w in want.items() if sig(n) != w]
    if wrong:
        raise PluginError(f"breaks the ABI: {'; '.join(wrong)}")


_I32 = wasmtime.ValType.i32()
_POLL_TYPE = wasmtime.FuncType([_I32, _I32, _I32, _I32], [_I32])
_ENOTSUP = 58
"""WASI's errno ``notsup``."""


def _no_sleep(subscriptions: int, events: int, count: int, written: int) -> int:
    """``poll_oneoff`` (sleep, wait for a clock): refused at once. A sleep in the host cannot be
    cut by the epoch deadline, and an analyzer has nothing to wait for."""
    return _ENOTSUP


class Instance:
    """One instantiated plugin in its own Store; ``call(input) -> output bytes``."""

    def __init__(
        self, module: wasmtime.Module, manifest: Manifest, allow_dirs: bool = False
    ) -> None:
        e = engine()
        self.manifest = manifest
        limits = manifest.limits
        self.fuel = limits.fuel
        self.ticks = max(1, -(-limits.timeout_ms // TICK_MS))
        self.max_output = limits.output_kb * 1024
        self.store = wasmtime.Store(e)
        self.store.set_limits(
            memory_size=limits.memory_mb * 1024 * 1024, instances=1, tables=4, memories=1
        )
        self.store.set_fuel(self.fuel)
        self.store.set_epoch_deadline(self.ticks)
        linker = wasmtime.Linker(e)
        if any(imp.module.startswith("wasi") for imp in module.imports):
            wasi = wasmtime.WasiConfig()  # no args, no environment, no stdio, no network
            if manifest.dirs:
                if not allow_dirs:
                    raise PluginError(
                        f"asks to read {', '.join(manifest.dirs)} through WASI: not allowed (--plugin-allow-dirs)"
                    )
                for d in manifest.dirs:
                    wasi.preopen_dir(d, d, fs_mutable=False)
            self.store.set_wasi(wasi)
            linker.define_wasi()
            linker.allow_shadowing = True
            linker.define_func("wasi_snapshot_preview1", "poll_oneoff", _POLL_TYPE, _no_sleep)
        try:
            inst = linker.instantiate(self.store, module)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as err:
            raise PluginError(f"cannot be instantiated: {reason(err)}") from None
        exports = inst.exports(self.store)
        init = exports.get("_initialize")  # WASI reactors set up their libc here
        if isinstance(init, wasmtime.Func):
            self._guarded(lambda: init(self.store))
        self.memory: wasmtime.Memory = exports["memory"]  # type: ignore[assignment]
        self._alloc: wasmtime.Func = exports["alloc"]  # type: ignore[assignment]
        self._analyze: wasmtime.Func = exports["analyze"]  # type: ignore[assignment]
        abi_version: Any = exports["crumbs_abi_version"]
        version = self._guarded(lambda: abi_version(self.store))
        if version != ABI_VERSION:
            raise PluginError(f"speaks ABI version {version}, this Crumbs speaks {ABI_VERSION}")
        self._ctx = self.store._context()
        self._args = (ffi.wasmtime_val_raw_t * 2)()
        self._trap = POINTER(ffi.wasm_trap_t)()
        self._mem = byref(self.memory._memory)
        self.broken: str | None = None

    def _guarded(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except wasmtime.Trap as trap:
            raise PluginError(_explain_trap(trap)) from None
        except wasmtime.WasmtimeError as err:
            raise PluginError(reason(err)) from None

    def _raw(self, func: wasmtime.Func) -> None:
        """Call with ``self._args`` as arguments and results, no checks: the ABI was checked once."""
        err = ffi.wasmtime_func_call_unchecked(
            self._ctx, byref(func._func), self._args, 2, byref(self._trap)
        )
        if self._trap:
            trap = wasmtime.Trap._from_ptr(self._trap)
            self._trap = POINTER(ffi.wasm_trap_t)()
            raise PluginError(_explain_trap(trap))
        if err:
            raise PluginError(reason(wasmtime.WasmtimeError._from_ptr(err)))

    def call(self, data: bytes) -> bytes:
        if self.broken:
            raise PluginError(self.broken)
        try:
            return self._call(data)
        except PluginError as err:
            self.broken = str(err)  # a trapped instance is never used again
            raise

    def _call(self, data: bytes) -> bytes:
        ctx = self._ctx
        ffi.wasmtime_context_set_fuel(ctx, self.fuel)
        ffi.wasmtime_context_set_epoch_deadline(ctx, self.ticks)
        n = len(data)
        args = self._args
        args[0].i32 = n
        self._raw(self._alloc)
        ptr = args[0].i32 & 0xFFFFFFFF
        size = ffi.wasmtime_memory_data_size(ctx, self._mem)
        if ptr == 0 or ptr + n > size:
            raise PluginError(
                f"breaks the ABI: alloc({n}) returned {ptr}, outside its {size:,}-byte memory"
            )
        base = ctypes.addressof(ffi.wasmtime_memory_data(ctx, self._mem).contents)
        ctypes.memmove(base + ptr, data, n)
        args[0].i32 = ptr
        args[1].i32 = n
        self._raw(self._analyze)
        packed = args[0].i64 & 0xFFFFFFFFFFFFFFFF
        out_ptr, out_len = packed >> 32, packed & 0xFFFFFFFF
        if out_len > self.max_output:
            raise PluginError(
                f"output of {out_len:,} bytes is over its limit ({self.max_output:,})"
            )
        size = ffi.wasmtime_memory_data_size(ctx, self._mem)  # memory may have grown (and moved)
        if out_ptr + out_len > size:
            raise PluginError(
                f"breaks the ABI: output at {out_ptr}+{out_len} is outside its {size:,}-byte memory"
            )
        base = ctypes.addressof(ffi.wasmtime_memory_data(ctx, self._mem).contents)
        return ctypes.string_at(base + out_ptr, out_len)


def _explain_trap(trap: wasmtime.Trap) -> str:
    code = trap.trap_code
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return "ran out of fuel (an endless loop, or more work than its limits.fuel allows)"
    if code == wasmtime.TrapCode.INTERRUPT:
        return "ran out of time (limits.timeout_ms)"
    if code == wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS:
        return "trapped: out-of-bounds memory access (or memory exhausted: limits.memory_mb)"
    message = reason(trap)
    return f"trapped: {message}"
