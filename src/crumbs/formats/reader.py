"""Paths (files, directories, ``-`` for stdin) to records, the format told by content.

A directory is walked in name order, hidden entries skipped. Files in it that
hold no Kubernetes data at all (container logs of a ``kubectl cluster-info
dump`` tree, READMEs, Helm values) are skipped, not rejected; a file named on
the command line must hold Kubernetes data.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

import orjson

from crumbs.formats.documents import (
    DEFAULT_MAX_DOCUMENT,
    Document,
    is_log_section,
    json_lines,
    json_stream,
    looks_binary,
    yaml_documents,
)
from crumbs.formats.objects import Record, interpret
from crumbs.model import NotKubernetes, Problem, Skipped

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


def iter_files(
    paths: list[str],
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    stdin: BinaryIO | None = None,
) -> Iterator[tuple[str, Iterator[Record]]]:
    """(file name, its records) for each file the paths name or hold."""
    for path in paths:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read()
            yield "<stdin>", read_bytes(data, "<stdin>", cluster, max_document)
        elif os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fn in sorted(filenames):
                    if not fn.startswith("."):
                        name = os.path.join(dirpath, fn)
                        yield name, read_file(name, cluster, max_document, in_directory=True)
        else:
            yield path, read_file(path, cluster, max_document)


def read_file(
    path: str,
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    in_directory: bool = False,
) -> Iterator[Record]:
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, streamed lines
    except OSError as err:
        yield Problem(path, f"cannot read: {err.strerror or err}")
        return
    with f:
        try:
            if _starts_json_lines(f, max_document):
                f.seek(0)
                yield from _guard(
                    path, in_directory, _records(json_lines(path, f, max_document), cluster)
                )
                return
            f.seek(0)
            data = f.read()
        except OSError as err:
            yield Problem(path, f"cannot read: {err.strerror or err}")
            return
    yield from read_bytes(data, path, cluster, max_document, in_directory)


def read_bytes(
    data: bytes,
    name: str,
    cluster: str = "default",
    max_document: int = DEFAULT_MAX_DOCUMENT,
    in_directory: bool = False,
) -> Iterator[Record]:
    head = data[:SNIFF]
    if looks_binary(head):
        why = "binary data, not JSON or YAML"
        yield Skipped(name, why) if in_directory else Problem(name, why)
        return
    if is_log_section(head):
        yield Skipped(name, "container logs (cluster-info dump)")
        return
    if not data.strip():
        yield Skipped(name, "empty")
        return
    yield from _guard(name, in_directory, _records(_documents(data, name, max_document), cluster))


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


_INI_SECTION = re.compile(rb"\[[A-Za-z0-9_. \"'-]+\][ \t]*\r?\n")


def _documents(data: bytes, name: str, max_document: int) -> Iterator[Document | Problem]:
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            if _INI_SECTION.match(stripped):
                yield NotKubernetes(name, "INI or TOML text (a [section] header), not JSON")
                return
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


def _records(docs: Iterator[Document | Problem], cluster: str) -> Iterator[Record]:
    for doc in docs:
        if isinstance(doc, Problem):
            yield doc
        else:
            yield from interpret(doc.value, doc.where, cluster, doc.time)


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
