"""The writer process: the batch writer on a core of its own.

Python threads cannot share the work (the caller serialising JSON and the
writer binding SQLite rows both hold the GIL; measured: no overlap at all), so
large ingests hand their batches to a child process. The child is started as
``python -m crumbs.store.process`` (nothing of the caller's program is
re-imported), owns the only write connection, acknowledges each batch with its
counts, and dies with its parent (``PR_SET_PDEATHSIG`` on Linux), so a killed
ingest is a killed transaction, which SQLite rolls back.

Frames on the child's stdin and stdout: an 8-byte big-endian length, then a
pickle. Parent → child: ``("batch", items)``, ``("reset",)``, ``("stop",)``.
Child → parent: ``("ok", revisions, unchanged, events, releases, audits, logs)``, ``("error", kind, text)``
(kind: ``store`` for SQLite errors, ``bug`` otherwise), ``("skipped",)`` for
batches queued behind a failed one until the parent has seen the failure.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import traceback
from typing import IO, Any

from crumbs.errors import StoreError
from crumbs.store.batch import BatchWriter, Counts, Item

PR_SET_PDEATHSIG = 1
MAX_IN_FLIGHT = 2
PIPE_BUFFER = 1 << 20
_LENGTH = struct.Struct(">Q")
_LOCATION = "CRUMBS_WRITER_DB"


def write_frame(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_frame(stream: IO[bytes]) -> tuple[Any, ...]:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    message: tuple[Any, ...] = pickle.loads(payload)  # noqa: S301 - frames come from our own parent process
    return message


class RemoteBatchWriter:
    """The parent's handle on the writer process."""

    def __init__(self, path: str, ingest_time: int, busy_timeout_ms: int) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        # a URL's credentials go by the environment, not the command line (`ps` shows that)
        url = "://" in path
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crumbs.store.process",
                "-" if url else path,
                str(ingest_time),
                str(busy_timeout_ms),
                str(os.getpid()),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env={**os.environ, _LOCATION: path} if url else None,
        )
        assert self._process.stdin is not None
        _widen_pipe(self._process.stdin)
        self._in_flight = 0

    def submit(self, batch: list[Item]) -> list[Counts]:
        """Send a batch; returns the counts of batches acknowledged meanwhile (raises on a failure)."""
        done = []
        while self._in_flight >= MAX_IN_FLIGHT:
            done.append(self._ack())
        self._send(("batch", batch))
        self._in_flight += 1
        return done

    def drain(self) -> list[Counts]:
        """Wait for every batch in flight."""
        done = []
        while self._in_flight:
            done.append(self._ack())
        return done

    def _died(self) -> StoreError:
        self._in_flight = 0
        try:
            code = self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        return StoreError(f"the writer process died: {self._why(code)}")

    def _why(self, code: int) -> str:
        """One line: the signal that killed it, else the last line it wrote to stderr."""
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = (
                " (out of memory? the kernel's OOM killer sends it)"
                if -code == signal.SIGKILL
                else ""
            )
            return f"killed by {name}{hint}; what it had committed is in the store"
        self._errors.seek(0)
        lines = [
            line
            for line in self._errors.read()[-4096:].decode(errors="replace").splitlines()
            if line.strip()
        ]
        last = lines[-1].strip() if lines else ""
        return f"exit code {code}" + (f": {last}" if last else "")

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self._process.stdin is not None
        try:
            write_frame(self._process.stdin, message)
        except (BrokenPipeError, ConnectionResetError, ValueError):
            raise self._died() from None

    def _ack(self) -> Counts:
        assert self._process.stdout is not None
        try:
            reply = read_frame(self._process.stdout)
        except EOFError:
            raise self._died() from None
        self._in_flight -= 1
        if reply[0] == "ok":
            return (reply[1], reply[2], reply[3], reply[4], reply[5], reply[6])
        if reply[0] == "skipped":
            return (0, 0, 0, 0, 0, 0)
        # A failure: batches behind it are skipped until we say we have seen it.
        while self._in_flight:
            self._in_flight -= 1
            try:
                read_frame(self._process.stdout)
            except EOFError:
                raise self._died() from None
        self._send(("reset",))
        if reply[1] == "store":
            raise StoreError(f"cannot write to the store: {reply[2]}")
        raise RuntimeError(f"the writer process failed:\n{reply[2]}")

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self._send(("stop",))
                self._process.wait(60)
            except (StoreError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a dead writer's pipe: already reported
                    stream.close()
        self._errors.close()


def _widen_pipe(stream: IO[bytes]) -> None:
    """A 1 MiB pipe instead of 64 KiB: a batch crosses in a few hundred writes, not thousands."""
    if sys.platform.startswith("linux"):
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.fcntl(stream.fileno(), 1031, PIPE_BUFFER)  # F_SETPIPE_SZ


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def serve(path: str, ingest_time: int, busy_timeout_ms: int, parent: int) -> None:
    """The child's main loop: batches in on stdin, acknowledgements out on stdout."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    from crumbs.store.connection import connect

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the channel
    db = connect(os.environ.pop(_LOCATION, "") or path, busy_timeout_ms=busy_timeout_ms)
    writer = BatchWriter(db, ingest_time)
    failed = False
    try:
        while True:
            try:
                message = read_frame(inp)
            except EOFError:
                return
            if message[0] == "stop":
                return
            if message[0] == "reset":
                failed = False
                continue
            if failed:
                write_frame(out, ("skipped",))
                continue
            try:
                write_frame(out, ("ok", *writer.write(message[1])))
            except sqlite3.Error as err:
                failed = True
                write_frame(out, ("error", "store", str(err)))
            except Exception:
                failed = True
                write_frame(out, ("error", "bug", traceback.format_exc()))
    finally:
        writer.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
