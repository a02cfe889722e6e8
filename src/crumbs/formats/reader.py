"""Paths (files, directories, ``-`` for stdin) to records, the format told by content.

A directory is walked in name order, hidden entries skipped. Files in it that
hold no Kubernetes data at all (READMEs, Helm values) are skipped, not
rejected; a file named on the command line must hold Kubernetes data. Container
logs (a cluster-info dump's ``logs.txt``, the log files archives keep at known
paths: :mod:`crumbs.formats.logs`) are read as log chunks of their pod.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from crumbs.files import NotRegularFile, reason, regular
from crumbs.formats import logs
from crumbs.formats.bigjson import large_json
from crumbs.formats.documents import (
    DEFAULT_MAX_DOCUMENT,
    Document,
    NotExact,
    is_log_section,
    json_lines,
    json_stream,
    load_json,
    looks_binary,
    yaml_documents,
)
from crumbs.formats.identity import Kinds
from crumbs.formats.logs import Where, log_path
from crumbs.formats.objects import Record, records_of
from crumbs.formats.other import not_kubernetes_text
from crumbs.model import LogChunk, NotKubernetes, Problem, Skipped

SNIFF = 64 * 1024


def read_paths(
    paths: list[str],
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    stdin: BinaryIO | None = None,
) -> Iterator[Record]:
    """Every record of every path, in order."""
    for _name, records in iter_files(paths, cluster, max_document, stdin):
        yield from records


def iter_paths(
    paths: list[str],
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    stdin: BinaryIO | None = None,
) -> Iterator[tuple[str, Iterator[tuple[str, Iterator[Record]]]]]:
    """Per path as given (one snapshot each: a file, a dump tree, stdin), its files and their records."""
    for path in paths:
        yield path, iter_files([path], cluster, max_document, stdin)


def iter_files(
    paths: list[str],
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    stdin: BinaryIO | None = None,
) -> Iterator[tuple[str, Iterator[Record]]]:
    """(file name, its records) for each file the paths name or hold.

    Kinds learned from CustomResourceDefinitions (to identify objects that come without
    ``apiVersion``/``kind``) are shared by the files of one call."""
    known = Kinds()
    for path in paths:
        if path == "-":
            source = stdin or sys.stdin.buffer
            yield "<stdin>", read_stream(source, "<stdin>", cluster, max_document, known=known)
        elif os.path.isdir(path):
            unreadable: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(path, onerror=unreadable.append):
                while unreadable:
                    err = unreadable.pop(0)
                    where = err.filename or dirpath
                    yield (
                        str(where),
                        iter([Problem(str(where), f"cannot read: {err.strerror or err}")]),
                    )
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fn in sorted(filenames):
                    if not fn.startswith("."):
                        name = os.path.join(dirpath, fn)
                        yield name, read_file(name, cluster, max_document, True, known)
            for err in unreadable:
                where = str(err.filename or path)
                yield where, iter([Problem(where, f"cannot read: {err.strerror or err}")])
        else:
            yield path, read_file(path, cluster, max_document, known=known)


def iter_pod_logs(
    paths: list[str], cluster: str, where: Where, stdin: BinaryIO | None = None
) -> Iterator[tuple[str, Iterator[tuple[str, Iterator[Record]]]]]:
    """Plain ``kubectl logs`` output (files or ``-``), all of one pod's container (``where``).

    Dated by the lines' own times (``kubectl logs --timestamps``), else by when the file was
    last written (the capture), else (stdin) by when it is read."""
    for path in paths:
        yield path, iter([(path, _pod_log(path, cluster, where, stdin))])


def _pod_log(path: str, cluster: str, where: Where, stdin: BinaryIO | None) -> Iterator[Record]:
    if path == "-":
        yield from _dated(_log_file(stdin or sys.stdin.buffer, "<stdin>", cluster, where), None)
        return
    if os.path.isdir(path):
        yield Problem(path, "a directory: --pod reads one container's log (a file, or - for stdin)")
        return
    try:
        regular(path)
        mtime: int | None = os.stat(path).st_mtime_ns
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except NotRegularFile as err:
        yield Problem(path, str(err))
        return
    except OSError as err:
        yield Problem(path, f"cannot read: {reason(err)}")
        return
    with f:
        yield from _dated(_log_file(f, path, cluster, where), mtime)


def _dated(records: Iterator[Record], fallback: int | None) -> Iterator[Record]:
    for rec in records:
        if isinstance(rec, LogChunk) and rec.at is None:
            rec.at = rec.last_at if rec.last_at is not None else fallback
        yield rec


def read_file(
    path: str,
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    in_directory: bool = False,
    known: Kinds | None = None,
) -> Iterator[Record]:
    """One file's records. Only regular files are read: a FIFO or a device would hang or never end."""
    try:
        regular(path)
    except NotRegularFile as err:
        why = str(err) + (" (pipe it to `crumbs ingest -` instead)" if "FIFO" in str(err) else "")
        yield Skipped(path, why) if in_directory else Problem(path, why)
        return
    except OSError as err:
        yield Problem(path, f"cannot read: {reason(err)}")
        return
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, streamed lines
    except OSError as err:
        yield Problem(path, f"cannot read: {err.strerror or err}")
        return
    with f:
        where = log_path(path)
        if isinstance(where, Skipped):
            yield where
            return
        if where is not None:
            yield from _log_file(f, path, cluster, where)
            return
        yield from read_stream(f, path, cluster, max_document, in_directory, known)


def _log_file(f: BinaryIO, path: str, cluster: str, where: Where) -> Iterator[Record]:
    """A log file an archive keeps at a known path: the tail of its lines, streamed."""
    head = f.read(SNIFF)
    if looks_binary(head):
        yield Skipped(path, "binary data where a log was expected")
        return
    f.seek(0)
    try:
        yield logs.from_file(cluster, where, f, path)
    except OSError as err:
        yield Problem(path, f"cannot read: {reason(err)}")


def read_stream(
    f: BinaryIO,
    name: str,
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    in_directory: bool = False,
    known: Kinds | None = None,
) -> Iterator[Record]:
    """A file or stdin: JSON lines and anything larger than one document are read as a stream
    (memory stays within about one document); the rest is read whole."""
    try:
        head = f.read(max_document + 1)
        rest = f.read(1) if len(head) > max_document else b""
    except OSError as err:
        yield Problem(name, f"cannot read: {err.strerror or err}")
        return
    if not rest:
        if _starts_json_lines(io.BytesIO(head), max_document):
            lines = json_lines(name, head.split(b"\n"), max_document)
            yield from _guard(name, in_directory, records_of(lines, cluster, known))
        else:
            yield from read_bytes(head, name, cluster, max_document, in_directory, known)
        return
    stream = _Rejoined(head + rest, f)
    yield from _guard(
        name, in_directory, _stream_records(stream, name, cluster, max_document, known)
    )


class _Rejoined(io.RawIOBase):
    """What was read ahead, then the rest of the stream: one file again."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _stream_records(
    raw: io.RawIOBase, name: str, cluster: str, max_document: int, known: Kinds | None
) -> Iterator[Record]:
    stream = io.BufferedReader(raw, 1 << 20)
    first = stream.peek(SNIFF)[:SNIFF]
    if looks_binary(first):
        yield Problem(name, "binary data, not JSON or YAML")
        return
    stripped = first.lstrip()
    if is_log_section(first):
        yield from logs.dump_sections(cluster, stream, name)
    elif _starts_json_lines(io.BytesIO(first), max_document) and b"\n" in stripped:
        yield from records_of(json_lines(name, stream, max_document), cluster, known)
    elif stripped[:1] in (b"{", b"["):
        yield from large_json(stream, name, cluster, max_document, known)
    else:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict")
        try:
            yield from records_of(yaml_documents(name, text, max_document), cluster, known)
        except UnicodeDecodeError as err:
            yield Problem(name, f"not UTF-8 text (byte {err.start} of a chunk)")


def read_bytes(
    data: bytes,
    name: str,
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    in_directory: bool = False,
    known: Kinds | None = None,
) -> Iterator[Record]:
    head = data[:SNIFF]
    if looks_binary(head):
        why = "binary data, not JSON or YAML"
        yield Skipped(name, why) if in_directory else Problem(name, why)
        return
    if is_log_section(head):
        yield from logs.dump_sections(cluster, data.splitlines(keepends=True), name)
        return
    if not data.strip():
        yield Skipped(name, "empty")
        return
    other = not_kubernetes_text(head)
    if other is not None:
        yield Skipped(name, other)
        return
    records = records_of(_documents(data, name, max_document), cluster, known)
    yield from _guard(name, in_directory, _templates_skipped(name, data, records))


def _starts_json_lines(f: BinaryIO, max_document: int) -> bool:
    """Whether the first non-blank line is a whole JSON object on its own (JSON lines).

    A first line longer than any document may be is taken as a (too large) JSON
    line: an indented document would have broken lines long before.
    """
    for line in iter(lambda: f.readline(max_document + 1), b""):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(b"{"):
            return False
        if len(line) > max_document:
            return True
        try:
            return isinstance(orjson.loads(stripped), dict)
        except orjson.JSONDecodeError:
            return False
    return False


def _documents(data: bytes, name: str, max_document: int) -> Iterator[Document | Problem]:
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            value = load_json(data)
        except NotExact as err:
            yield Problem(name, str(err))
            return
        except orjson.JSONDecodeError:
            if _starts_json_lines(io.BytesIO(stripped), max_document):
                yield from json_lines(name, data.split(b"\n"), max_document)
            else:
                yield from json_stream(name, data, max_document)
            return
        yield Document(value, name)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        yield Problem(name, f"not UTF-8 text (byte {err.start})")
        return
    yield from yaml_documents(name, text, max_document)


def _templates_skipped(name: str, data: bytes, records: Iterator[Record]) -> Iterator[Record]:
    """A file that yields nothing but unreadable documents and holds ``{{ }}`` is a template."""
    held: list[Record] = []
    readable = False
    for rec in records:
        if not readable and isinstance(rec, NotKubernetes):
            held.append(rec)
            continue
        readable = True
        yield from held
        held.clear()
        yield rec
    if held and b"{{" in data and b"}}" in data:
        yield Skipped(name, "a template (Helm or Go: {{ ... }}), not data")
    else:
        yield from held


def _guard(name: str, in_directory: bool, records: Iterator[Record]) -> Iterator[Record]:
    """In a directory walk, a file without one Kubernetes record is skipped, not rejected."""
    if not in_directory:
        yield from records
        return
    held: list[Record] = []
    found = False
    for rec in records:
        if found:
            yield rec
        elif isinstance(rec, NotKubernetes) or (isinstance(rec, Skipped) and rec.reason == "empty"):
            held.append(rec)
            if len(held) > 1000:  # plenty of evidence it is not ours
                break
        else:
            found = True
            yield from held
            yield rec
    if not found:
        yield Skipped(name, "no Kubernetes data")
