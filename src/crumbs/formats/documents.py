"""Bytes to parsed documents, with where each came from. Detected by content only.

Shapes recognised:

- one JSON value (an object, a ``List``), as ``kubectl get -o json`` prints it;
- JSON lines, one value per line (the API's watch stream, NDJSON);
- concatenated JSON values (``kubectl get -w -o json`` prints them indented, and
  ``kubectl cluster-info dump`` to stdout interleaves them with log sections);
- YAML, one or many documents; a leading comment ``# {"time": "..."}`` gives the
  time the document was observed (the form kspan's recordings use).

Pure: no store, no clock. Errors are yielded as :class:`Problem`, never raised,
so one bad document does not stop the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

from crumbs.model import NotKubernetes, Problem
from crumbs.timeutil import parse_time

DEFAULT_MAX_DOCUMENT = 16 * 1024 * 1024
"""Largest object accepted (bytes). The API server itself refuses objects over ~1.5 MB."""

LOG_SECTION = b"==== START logs for container"
LOG_SECTION_END = re.compile(rb"==== END logs for container [^\n]*====\n?")


@dataclass(slots=True)
class Document:
    value: Any
    where: str
    time: int | None = None
    """When the document was observed, if the recording says (ns)."""


class _Loader(yaml.CSafeLoader):
    """The C loader, keeping timestamps as the strings Kubernetes wrote."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut at the end of the sniffed window is fine.
        return err.start < len(head) - 4
    return False


def is_log_section(head: bytes) -> bool:
    return head.lstrip().startswith(LOG_SECTION)


def _describe(err: orjson.JSONDecodeError, line_offset: int) -> str:
    """``invalid JSON: what, at line L column C`` with L counted in the whole file."""
    return f"invalid JSON: {err.msg} at line {err.lineno + line_offset} column {err.colno}"


def _json_error(chunk: bytes, line_offset: int) -> str:
    try:
        orjson.loads(chunk)
    except orjson.JSONDecodeError as err:
        return _describe(err, line_offset)
    return "invalid JSON"


def json_lines(name: str, lines: Iterable[bytes], max_bytes: int) -> Iterator[Document | Problem]:
    """One JSON value per line; blank lines skipped; each line judged alone."""
    loads = orjson.loads
    for lineno, line in enumerate(lines, 1):
        if len(line) > max_bytes:
            yield Problem(f"{name}:{lineno}", _too_large(len(line), max_bytes))
            continue
        try:
            value = loads(line)
        except orjson.JSONDecodeError as err:
            if not line.strip():
                continue
            yield Problem(f"{name}:{lineno}", _describe(err, lineno - 1))
            continue
        yield Document(value, f"{name}:{lineno}")


def json_stream(name: str, data: bytes, max_bytes: int) -> Iterator[Document | Problem]:
    """Concatenated JSON values, each closing at the start of a line.

    That is how ``kubectl get -w -o json`` and ``kubectl cluster-info dump``
    print them (indented, the top-level ``}`` in column 0). Cluster-info dump
    log sections between values are skipped. After a broken value, reading
    resumes at the next line that opens one.
    """
    pos, n = 0, len(data)
    counted, line = 0, 1
    while True:
        pos = _WS.match(data, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            return
        if data.startswith(LOG_SECTION, pos):
            section_end = LOG_SECTION_END.search(data, pos)
            pos = section_end.end() if section_end else n
            continue
        line += data.count(b"\n", counted, pos)
        counted = pos
        start_line = line
        value, end = _parse_one(data, pos)
        if end < 0:
            yield Problem(f"{name}:{start_line}", _json_error(data[pos:], start_line - 1))
            nxt = _TOP_OPEN.search(data, pos + 1)
            if nxt is None:
                return
            pos = nxt.start()
            continue
        if end - pos > max_bytes:
            yield Problem(f"{name}:{start_line}", _too_large(end - pos, max_bytes))
        else:
            yield Document(value, f"{name}:{start_line}")
        pos = end


_WS = re.compile(rb"\s*")
_TOP_CLOSE = re.compile(rb"^[}\]][ \t\r]*$", re.MULTILINE)
_TOP_OPEN = re.compile(rb"^[{\[]", re.MULTILINE)


def _parse_one(data: bytes, pos: int) -> tuple[Any, int]:
    """The value starting at ``pos`` and the index past it, or (None, -1)."""
    for m in _TOP_CLOSE.finditer(data, pos):
        try:
            return orjson.loads(data[pos : m.end()]), m.end()
        except orjson.JSONDecodeError:
            continue
    return None, -1


def _too_large(size: int, limit: int) -> str:
    return f"document of {size / 1e6:.1f} MB exceeds the {limit / 1e6:.1f} MB limit"


_YAML_SEP = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$", re.MULTILINE)
_TIME_HEADER = re.compile(r'^#\s*(\{.*"time".*\})\s*$', re.MULTILINE)


def yaml_documents(name: str, text: str, max_bytes: int) -> Iterator[Document | Problem]:
    """Multi-document YAML, split on ``---`` lines so one bad document spares the others."""
    starts = [0] + [m.end() + 1 for m in _YAML_SEP.finditer(text)]
    bounds = [m.start() for m in _YAML_SEP.finditer(text)] + [len(text)]
    line_at = 1
    prev = 0
    index = 0
    for start, stop in zip(starts, bounds, strict=True):
        line_at += text.count("\n", prev, start)
        prev = start
        chunk = text[start:stop] if start <= stop else ""
        if not chunk.strip():
            continue
        index += 1
        where = f"{name}:{line_at}"
        if len(chunk) > max_bytes:
            yield Problem(where, _too_large(len(chunk), max_bytes))
            continue
        observed = _header_time(chunk)
        try:
            value = yaml.load(chunk, Loader=_Loader)  # noqa: S506 - a safe loader
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = line_at + (mark.line if mark else 0)
            yield NotKubernetes(f"{name}:{line}", f"invalid YAML: {err.problem or err.context}")
            continue
        except yaml.YAMLError as err:
            yield NotKubernetes(where, f"invalid YAML: {str(err).splitlines()[0]}")
            continue
        if value is None:
            continue
        if "*" in chunk and _too_many_nodes(value):
            yield Problem(
                where, "YAML aliases expand to too many nodes (a billion-laughs document?)"
            )
            continue
        yield Document(value, where, observed)


def _header_time(chunk: str) -> int | None:
    """``# {"time": "2021-05-19T09:42:58.64Z", ...}`` among the leading comment lines."""
    if not chunk.lstrip().startswith("#"):
        return None
    for line in chunk.lstrip().splitlines():
        if not line.startswith("#"):
            break
        m = _TIME_HEADER.match(line)
        if m:
            try:
                meta = orjson.loads(m.group(1))
            except orjson.JSONDecodeError:
                return None
            t = meta.get("time") if isinstance(meta, dict) else None
            return parse_time(t) if isinstance(t, str) else None
    return None


_NODE_LIMIT = 2_000_000


def _too_many_nodes(value: Any) -> bool:
    """Count nodes as if aliases were expanded, stopping at the limit."""
    count = 0
    stack = [value]
    while stack:
        v = stack.pop()
        count += 1
        if count > _NODE_LIMIT:
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
