"""ABI v1, the host side: a sandboxed wasmtime instance called fast.

The module exports ``memory``, ``alloc(len: i32) -> i32``, ``analyze(ptr: i32,
len: i32) -> i64`` returning ``(out_ptr << 32) | out_len``, and
``crumbs_abi_version() -> i32`` (1). The host writes the input at
``alloc(len)``, calls ``analyze``, and reads ``out_len`` bytes at ``out_ptr``.

Sandbox: fuel per call (deterministic CPU), an epoch deadline (wall time; one
engine-wide ticker thread), a memory cap (``memory.grow`` fails beyond it),
an output cap; WASI only without filesystem, network, environment or
arguments, unless the manifest asks for directories and the user allows them.
A trap, running out of fuel or time, or a broken ABI is a :class:`PluginError`;
the instance (and its Store) is then unusable and is dropped.

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
import os
import threading
import time
from collections.abc import Callable
from ctypes import POINTER, byref
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

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


def compile_module(wasm: bytes, cache: Path | None = None) -> wasmtime.Module:
    """The compiled module, from the disk cache when this wasmtime compiled the same bytes before."""
    e = engine()
    directory = cache if cache is not None else cache_dir()
    version = _wasmtime_version()
    key = hashlib.sha256(version.encode() + b"\0" + wasm).hexdigest()
    path = directory / f"{key}.cwasm"
    if path.is_file():
        try:
            return wasmtime.Module.deserialize_file(e, str(path))
        except (wasmtime.WasmtimeError, OSError):
            path.unlink(missing_ok=True)  # stale or damaged: compile again
    try:
        module = wasmtime.Module(e, wasm)
    except wasmtime.WasmtimeError as err:
        raise PluginError(f"not a valid WebAssembly module: {first_line(err)}") from None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(module.serialize())
        tmp.replace(path)
    except OSError:
        pass  # no cache this time
    return module


@functools.cache
def _wasmtime_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wasmtime")
    except PackageNotFoundError:
        return "unknown"


def first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


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
        try:
            inst = linker.instantiate(self.store, module)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as err:
            raise PluginError(f"cannot be instantiated: {first_line(err)}") from None
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
            raise PluginError(first_line(err)) from None

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
            raise PluginError(first_line(wasmtime.WasmtimeError._from_ptr(err)))

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
    message = first_line(trap)
    return f"trapped: {message}"
