"""The libbpf side of the loader comparison: connect.bpf.c loaded through the system's libbpf (ctypes),
its ring buffer read with a ctypes callback, records decoded into NodeEvents and put through the
agent's own pipeline (attribution, store). Benchmark code: `crumbs agent` uses bpftrace (see
docs/architecture.md, "The node agent's loader").
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

from crumbs.activity import NodeEvent

HERE = Path(__file__).parent
RECORD = struct.Struct("<QQII16s16sHHHHiI16s")
OUTCOME = {111: "refused", 110: "timeout", 113: "unreachable", 101: "unreachable", 104: "reset"}


def build(work: Path) -> Path:
    """vmlinux.h from the running kernel's BTF, then clang → a CO-RE object."""
    obj = work / "connect.bpf.o"
    src = HERE / "connect.bpf.c"
    if obj.exists() and obj.stat().st_mtime > src.stat().st_mtime:
        return obj
    header = work / "vmlinux.h"
    with open(header, "w") as f:
        subprocess.run(
            ["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"],
            stdout=f,
            check=True,
        )
    subprocess.run(
        [
            "clang",
            "-O2",
            "-g",
            "-target",
            "bpf",
            "-D__TARGET_ARCH_x86",
            f"-I{work}",
            "-c",
            str(src),
            "-o",
            str(obj),
        ],
        check=True,
    )
    return obj


CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)


class LibbpfConnects:
    def __init__(self, obj: Path) -> None:
        lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
        lib.bpf_object__open_file.restype = ctypes.c_void_p
        lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        lib.bpf_object__load.argtypes = [ctypes.c_void_p]
        lib.bpf_object__next_program.restype = ctypes.c_void_p
        lib.bpf_object__next_program.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.bpf_program__attach.restype = ctypes.c_void_p
        lib.bpf_program__attach.argtypes = [ctypes.c_void_p]
        lib.bpf_object__find_map_fd_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.ring_buffer__new.restype = ctypes.c_void_p
        lib.ring_buffer__new.argtypes = [ctypes.c_int, CALLBACK, ctypes.c_void_p, ctypes.c_void_p]
        lib.ring_buffer__poll.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.ring_buffer__free.argtypes = [ctypes.c_void_p]
        lib.bpf_link__destroy.argtypes = [ctypes.c_void_p]
        lib.bpf_object__close.argtypes = [ctypes.c_void_p]
        lib.bpf_map_lookup_elem.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        self.lib = lib
        self.obj = lib.bpf_object__open_file(str(obj).encode(), None)
        if not self.obj:
            raise OSError(ctypes.get_errno(), "bpf_object__open_file")
        if lib.bpf_object__load(self.obj) != 0:
            raise OSError(ctypes.get_errno(), "bpf_object__load")
        self.links = []
        prog = lib.bpf_object__next_program(self.obj, None)
        while prog:
            link = lib.bpf_program__attach(prog)
            if not link:
                raise OSError(ctypes.get_errno(), "bpf_program__attach")
            self.links.append(link)
            prog = lib.bpf_object__next_program(self.obj, prog)
        self.records: list[bytes] = []
        string_at = ctypes.string_at
        append = self.records.append

        def on_event(ctx: int, data: int, size: int) -> int:
            append(string_at(data, size))
            return 0

        self._cb = CALLBACK(on_event)
        self.rb = lib.ring_buffer__new(
            lib.bpf_object__find_map_fd_by_name(self.obj, b"events"), self._cb, None, None
        )
        self.lost_fd = lib.bpf_object__find_map_fd_by_name(self.obj, b"lost")
        self.offset = time.time_ns() - time.monotonic_ns()

    def poll(self, timeout_ms: int = 100) -> list[NodeEvent]:
        self.lib.ring_buffer__poll(self.rb, timeout_ms)
        raw, self.records[:] = list(self.records), []
        out = []
        unpack = RECORD.unpack_from
        for r in raw:
            start, cg, pid, fam, sa, da, sport, dport, dport_dial, state, err, daddr_dial, comm = (
                unpack(r)
            )
            af = socket.AF_INET6 if fam == 10 else socket.AF_INET
            n = 16 if fam == 10 else 4
            out.append(NodeEvent(
                at=start + self.offset, type="connect", pid=pid, cgroup=cg, comm=comm.rstrip(b"\0").decode("utf-8", "replace"),
                saddr=socket.inet_ntop(af, sa[:n]), sport=sport, daddr=socket.inet_ntop(af, da[:n]), dport=dport,
                outcome="established" if state == 1 else OUTCOME.get(err, "error"),
                dialed=f"{socket.inet_ntop(socket.AF_INET, daddr_dial.to_bytes(4, 'little'))}:{socket.ntohs(dport_dial)}" if dport_dial else "",
            ))  # fmt: skip
        return out

    def lost(self) -> int:
        ncpu = os.cpu_count() or 1
        values = (ctypes.c_uint64 * ncpu)()
        key = ctypes.c_uint32(0)
        self.lib.bpf_map_lookup_elem(self.lost_fd, ctypes.byref(key), values)
        return sum(values)

    def close(self) -> None:
        self.lib.ring_buffer__free(self.rb)
        for link in self.links:
            self.lib.bpf_link__destroy(link)
        self.lib.bpf_object__close(self.obj)


def run_agent(
    obj: Path, db: str, stop: threading.Event, ready: threading.Event
) -> dict[str, float]:
    """The agent's loop with this loader in place of bpftrace: poll, attribute, store."""
    from crumbs.agent.attribute import Attributor, PodDirectory
    from crumbs.agent.cgroups import CgroupIndex, cgroup2_mount
    from crumbs.agent.run import store_pods
    from crumbs.store import Store

    store = Store.open(db)
    writer = store.activity_writer("default")
    pods = PodDirectory()
    pods.update(store_pods(store, "default")())
    attributor = Attributor("bench", CgroupIndex(cgroup2_mount()), pods)
    loader = LibbpfConnects(obj)
    ready.set()
    n = 0
    pending: list[NodeEvent] = []
    last = time.monotonic()
    try:
        while not stop.is_set():
            for e in loader.poll(100):
                pending.append(attributor.apply(e))
            if len(pending) >= 4096 or (pending and time.monotonic() - last > 0.5):
                writer.write(pending)
                n += len(pending)
                pending = []
                last = time.monotonic()
        for e in loader.poll(0):
            pending.append(attributor.apply(e))
        writer.write(pending)
        n += len(pending)
        return {"events": n, "lost": loader.lost()}
    finally:
        loader.close()
        writer.close()
        store.close()


def main(argv: list[str]) -> None:
    """``loader.py STORE WORKDIR``: run until SIGINT; print the counts as JSON."""
    import json
    import signal
    import sys

    db, work = argv
    obj = build(Path(work))
    stop, ready = threading.Event(), threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=lambda: (ready.wait(), print("ready", flush=True)), daemon=True).start()
    result = run_agent(obj, db, stop, ready)
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
