"""Run the probes with bpftrace (``-f json``) and read their records.

Two bpftrace processes: ``proc_net.bt`` (exec, exit, TCP) with the default
64-byte strings, ``dns.bt`` with 200-byte buffers (BPF's 512-byte stack does
not hold both). Their output is read by one thread each into a bounded queue;
when Crumbs falls behind, the pipe fills, bpftrace stops reading its perf
buffers and the kernel drops (and counts) events: traced programs are never
blocked. Lost events are reported by bpftrace as ``lost_events`` lines.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

import orjson

from crumbs.agent.kernel import AgentError, batches, ensure_tracefs, require_root

PROBES = {"proc_net": {"BPFTRACE_STRLEN": "64"}, "dns": {"BPFTRACE_STRLEN": "200"}}
MAP_KEYS = "65536"
F_SETPIPE_SZ = 1031
PIPE_SIZE = 8 << 20
"""bpftrace's stdout pipe: 8 MiB where allowed (else pipe-max-size, 1 MiB by default), not 64 KiB."""
READ_SIZE = 1 << 20
SMALL_READ = 8192
QUIET_WAIT = 0.02
"""After a small read, wait this long before the next: one wake-up per 20 ms instead of one per event
(the 88 µs of CPU per event this agent spent at 1k events/s came from wake-ups, not work)."""


def probe_source(name: str) -> str:
    return resources.files("crumbs.agent").joinpath(f"probes/{name}.bt").read_text()


def check_environment(bpftrace: str = "bpftrace") -> str:
    """The bpftrace binary to use, or a one-line reason the agent cannot run."""
    require_root()
    found = shutil.which(bpftrace)
    if found is None:
        raise AgentError(
            f"{bpftrace} not found: install bpftrace (Debian/Ubuntu: apt install bpftrace)"
        )
    ensure_tracefs()
    return found


def widen_pipe(fd: int) -> int:
    """As wide as allowed (PIPE_SIZE, or /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE)."""
    for size in (PIPE_SIZE, _pipe_max()):
        with contextlib.suppress(OSError):
            return int(fcntl.fcntl(fd, F_SETPIPE_SZ, size))
    return 0


def _pipe_max() -> int:
    try:
        with open("/proc/sys/fs/pipe-max-size") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1 << 20


def split_output(data: bytes) -> tuple[list[str], list[bytes], bytes]:
    """bpftrace ``-f json`` output → (printf records, other lines, an unfinished last line)."""
    lines = data.split(b"\n")
    rest = lines.pop()
    records: list[str] = []
    control: list[bytes] = []
    loads = orjson.loads
    for raw in lines:
        if raw.startswith(b'{"type": "printf"'):
            try:
                records.append(loads(raw)["data"])
            except (orjson.JSONDecodeError, KeyError):
                continue
        elif raw:
            control.append(raw)
    return records, control, rest


@dataclass
class Counters:
    records: int = 0
    lost: int = 0
    """Events the kernel dropped because Crumbs (or bpftrace) fell behind."""
    attached: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class BpftraceSession:
    """The probes running; iterate :meth:`records` for their printf lines."""

    def __init__(
        self,
        bpftrace: str = "bpftrace",
        probes: tuple[str, ...] = tuple(PROBES),
        queue_size: int = 256,
    ) -> None:
        self.bpftrace = bpftrace
        self.names = probes
        self.counters = Counters()
        self._queue: queue.Queue[list[str] | None] = queue.Queue(queue_size)
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._threads: list[threading.Thread] = []
        self._ready = threading.Event()
        self.probes: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, timeout: float = 60.0) -> None:
        for name in self.names:
            env = dict(os.environ, BPFTRACE_MAP_KEYS_MAX=MAP_KEYS, **PROBES[name])
            proc = subprocess.Popen(
                [self.bpftrace, "-B", "line", "-f", "json", "-e", probe_source(name)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                bufsize=1 << 20,
            )
            self._procs[name] = proc
            assert proc.stdout is not None
            widen_pipe(proc.stdout.fileno())
            t = threading.Thread(target=self._read, args=(name, proc), daemon=True)
            t.start()
            self._threads.append(t)
            threading.Thread(target=self._errors, args=(name, proc), daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise AgentError(
                f"bpftrace did not attach its probes in {timeout:.0f}s: {self.error_text()}"
            )
        if self.counters.errors and len(self.counters.attached) < len(self.names):
            self.stop()
            raise AgentError(f"bpftrace failed: {self.error_text()}")

    def error_text(self) -> str:
        return "; ".join(self.counters.errors[-3:]) or "no output"

    def _errors(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line and "RLIMIT_MEMLOCK" not in line and "Addrspace is not set" not in line:
                with self._lock:
                    self.counters.errors.append(f"{name}: {line}")
                    del self.counters.errors[:-20]
        if len(self.counters.attached) < len(self.names):
            self._ready.set()  # it died before attaching: let start() report why

    def _read(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        """Whatever is in the pipe at once, as one batch: no waiting for a batch to fill."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        rest = b""
        put = self._queue.put
        while True:
            chunk = os.read(fd, READ_SIZE)
            if not chunk:
                break
            batch, control, rest = split_output(rest + chunk)
            for raw in control:
                self._control(name, raw)
            if name not in self.counters.attached and "READY\n" in batch:
                batch.remove("READY\n")
                self._attached(name)
            if batch:
                put(batch)
            if len(chunk) < SMALL_READ:
                time.sleep(QUIET_WAIT)  # a trickle: let it gather (the pipe holds 64 KiB meanwhile)
        put(None)

    def _control(self, name: str, raw: bytes) -> None:
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        t = msg.get("type") if isinstance(msg, dict) else None
        data = msg.get("data") if isinstance(msg, dict) else None
        with self._lock:
            if t == "lost_events" and isinstance(data, dict):
                self.counters.lost += int(data.get("events", 0))
            elif t == "attached_probes" and isinstance(data, dict):
                self.probes[name] = int(data.get("probes", 0))

    def _attached(self, name: str) -> None:
        """Its BEGIN probe ran: every probe of ``name`` is attached."""
        with self._lock:
            self.counters.attached[name] = self.probes.get(name, 0)
            if len(self.counters.attached) == len(self.names):
                self._ready.set()

    def records(self, idle: float = 0.2) -> Iterator[list[str]]:
        """Batches of records until every probe has ended; an empty batch every ``idle`` seconds of quiet."""
        for batch in batches(self._queue, idle, len(self._procs)):
            self.counters.records += len(batch)
            yield batch

    def stop(self) -> None:
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()  # SIGTERM: bpftrace detaches its probes and exits
        for proc in self._procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
