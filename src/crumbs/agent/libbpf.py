"""The system's libbpf (``libbpf.so.1``) through ctypes: open a compiled CO-RE object, load it
(libbpf relocates it against the running kernel's BTF), attach every program, find its maps.

Only this module speaks to libbpf. The ring buffer is read without it (:mod:`.ringbuf` maps it
itself): libbpf's ``ring_buffer__poll`` calls back once per record, which in Python costs more
than the record.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

from crumbs.agent.kernel import AgentError


def _library() -> ctypes.CDLL:
    names = ["libbpf.so.1", ctypes.util.find_library("bpf") or ""]
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name, use_errno=True)
        except OSError:
            continue
        vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for fn, res, args in (
            ("bpf_object__open_file", vp, [cp, vp]),
            ("bpf_object__load", ci, [vp]),
            ("bpf_object__close", None, [vp]),
            ("bpf_object__next_program", vp, [vp, vp]),
            ("bpf_program__attach", vp, [vp]),
            ("bpf_program__name", cp, [vp]),
            ("bpf_link__destroy", ci, [vp]),
            ("bpf_object__find_map_by_name", vp, [vp, cp]),
            ("bpf_map__fd", ci, [vp]),
            ("bpf_map__max_entries", ctypes.c_uint32, [vp]),
            ("bpf_map__set_max_entries", ci, [vp, ctypes.c_uint32]),
            ("bpf_map_lookup_elem", ci, [ci, vp, vp]),
            ("libbpf_set_print", vp, [vp]),
            ("libbpf_num_possible_cpus", ci, []),
        ):
            f = getattr(lib, fn)
            f.restype = res
            f.argtypes = args
        return lib
    raise AgentError("libbpf not found: install libbpf1 (Debian/Ubuntu: apt install libbpf1)")


def available() -> str | None:
    """None when libbpf can be used here, else why not."""
    try:
        _library()
    except AgentError as e:
        return str(e)
    if not Path("/sys/kernel/btf/vmlinux").exists():
        return "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE objects cannot be relocated"
    return None


def _error(what: str, code: int | None = None) -> AgentError:
    err = abs(code) if code else ctypes.get_errno()
    reason = os.strerror(err) if err else "failed"
    hint = "" if os.environ.get("LIBBPF_DEBUG") else " (LIBBPF_DEBUG=1 prints libbpf's log)"
    return AgentError(f"libbpf: {what}: {reason}{hint}")


class BpfObject:
    """A loaded, attached object; :meth:`close` detaches and frees everything."""

    def __init__(self, path: Path, sizes: dict[str, int] | None = None) -> None:
        """``sizes``: maps whose size to set before loading (a ring buffer's in bytes: a power
        of 2, a multiple of the page size)."""
        self.lib = lib = _library()
        if not os.environ.get("LIBBPF_DEBUG"):
            lib.libbpf_set_print(None)  # its warnings would reach our stderr line by line
        self._obj = lib.bpf_object__open_file(str(path).encode(), None)
        if not self._obj:
            raise _error(f"open {path}")
        self._links: list[int] = []
        try:
            for name, size in (sizes or {}).items():
                rc = lib.bpf_map__set_max_entries(self._map(name), size)
                if rc:
                    raise _error(f"size {name} to {size:,} bytes", rc)
            rc = lib.bpf_object__load(self._obj)
            if rc:
                raise _error(f"load {path.name} (the verifier or BTF refused it)", rc)
            prog = lib.bpf_object__next_program(self._obj, None)
            while prog:
                link = lib.bpf_program__attach(prog)
                if not link:
                    name = lib.bpf_program__name(prog).decode()
                    raise _error(f"attach {name}")
                self._links.append(link)
                prog = lib.bpf_object__next_program(self._obj, prog)
        except AgentError:
            self.close()
            raise

    def _map(self, name: str) -> int:
        m = self.lib.bpf_object__find_map_by_name(self._obj, name.encode())
        if not m:
            raise AgentError(f"libbpf: the object has no map {name!r}")
        return int(m)

    def map_fd(self, name: str) -> int:
        return int(self.lib.bpf_map__fd(self._map(name)))

    def map_size(self, name: str) -> int:
        return int(self.lib.bpf_map__max_entries(self._map(name)))

    def percpu_total(self, name: str, key: int = 0) -> int:
        """The sum over CPUs of a per-CPU array's u64 at ``key``."""
        cpus = max(1, self.lib.libbpf_num_possible_cpus())
        values = (ctypes.c_uint64 * cpus)()
        k = ctypes.c_uint32(key)
        if self.lib.bpf_map_lookup_elem(self.map_fd(name), ctypes.byref(k), values) != 0:
            return 0
        return int(sum(values))

    def close(self) -> None:
        for link in self._links:
            self.lib.bpf_link__destroy(link)
        self._links = []
        if self._obj:
            self.lib.bpf_object__close(self._obj)
            self._obj = None
