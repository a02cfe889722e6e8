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

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

from crumbs.formats.logs import Section, section_start
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


class NotExact(ValueError):
    """A value JSON can carry but Crumbs could not keep exactly (an integer beyond 64 bits)."""


_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
"""Every digit to ``0``, anything else to a space: a run of 19 digits is then a substring
(13× faster than a regular expression over a large file)."""
_LONG_RUN = b"0" * 19
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def load_json(data: bytes) -> Any:
    """orjson's parse, except that an integer it would turn into a float (beyond 64 bits) is
    :class:`NotExact`: kept exactly or refused, never silently changed."""
    value = orjson.loads(data)
    if _LONG_RUN in data.translate(_DIGITS_AS_ZERO):
        json.loads(data, parse_int=_int64)
    return value


def _int64(text: str) -> int:
    n = int(text)
    if not _INT_MIN <= n <= _INT_MAX:
        more = "…" if len(text) > 24 else ""
        raise NotExact(f"the integer {text[:24]}{more} does not fit in 64 bits: not kept")
    return n


def json_lines(name: str, lines: Iterable[bytes], max_bytes: int) -> Iterator[Document | Problem]:
    """One JSON value per line; blank lines skipped; each line judged alone."""
    for lineno, line in enumerate(lines, 1):
        if len(line) > max_bytes:
            yield Problem(f"{name}:{lineno}", _too_large(len(line), max_bytes))
            continue
        try:
            value = load_json(line)
        except orjson.JSONDecodeError as err:
            if not line.strip():
                continue
            yield Problem(f"{name}:{lineno}", _describe(err, lineno - 1))
            continue
        except NotExact as err:
            yield Problem(f"{name}:{lineno}", str(err))
            continue
        yield Document(value, f"{name}:{lineno}")


def json_stream(
    name: str, data: bytes | Iterable[bytes], max_bytes: int
) -> Iterator[Document | Problem]:
    """Concatenated JSON values, each closing at the start of a line, read line by line.

    That is how ``kubectl get -w -o json`` and ``kubectl cluster-info dump``
    print them (indented, the top-level ``}`` in column 0). Cluster-info dump
    log sections between values are yielded as :class:`~crumbs.formats.logs.Section`. A value that never closes is a
    problem and reading resumes at the next line that opens one; a value over
    ``max_bytes`` is refused without being held whole.
    """
    lines = data.splitlines(keepends=True) if isinstance(data, bytes) else data
    held: list[bytes] = []
    start = size = 0
    oversized = False
    section: tuple[Section, int] | None = None
    for lineno, line in enumerate(lines, 1):
        if section is not None:
            if LOG_SECTION_END.match(line) is None:
                section[0].tail.add(line)
                continue
            yield Document(section[0], f"{name}:{section[1]}")
            section = None
            continue
        opens = line[:1] in (b"{", b"[")
        if (held or oversized) and opens and not _TOP_CLOSE.match(line):
            # a new value begins: the one before never closed
            if oversized:
                yield Problem(f"{name}:{start}", _too_large(size, max_bytes))
            else:
                yield Problem(f"{name}:{start}", _json_error(b"".join(held), start - 1))
            held, size, oversized = [], 0, False
        if not held and not oversized:
            if line.lstrip().startswith(LOG_SECTION):
                started = section_start(line.lstrip())
                if started is not None:
                    section = (started, lineno)
                continue
            if not opens:
                continue  # blank, or between values: nothing we can read
            start = lineno
        size += len(line)
        if oversized or size > max_bytes:
            held, oversized = [], True
            if _TOP_CLOSE.match(line):
                yield Problem(f"{name}:{start}", _too_large(size, max_bytes))
                size, oversized = 0, False
            continue
        held.append(line)
        if not (_TOP_CLOSE.match(line) or (len(held) == 1 and line.rstrip()[-1:] in b"}]")):
            continue
        try:
            value = load_json(b"".join(held))
        except orjson.JSONDecodeError:
            continue  # not closed after all: read on
        except NotExact as err:
            yield Problem(f"{name}:{start}", str(err))
        else:
            yield Document(value, f"{name}:{start}")
        held, size = [], 0
    if section is not None:
        yield Document(section[0], f"{name}:{section[1]}")
    if oversized:
        yield Problem(f"{name}:{start}", _too_large(size, max_bytes))
    elif held:
        yield Problem(f"{name}:{start}", _json_error(b"".join(held), start - 1))


_TOP_CLOSE = re.compile(rb"^[}\]][ \t\r]*\n?$")


def _too_large(size: int, limit: int) -> str:
    return f"document of {size / 1e6:.1f} MB exceeds the {limit / 1e6:.1f} MB limit"


_YAML_SEP = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$")
_TIME_HEADER = re.compile(r'^#\s*(\{.*"time".*\})\s*$', re.MULTILINE)
_NON_FINITE = re.compile(r"(?i)[-+]?\.(?:nan|inf)\b")


def yaml_documents(
    name: str, text: str | Iterable[str], max_bytes: int
) -> Iterator[Document | Problem]:
    """Multi-document YAML, read line by line and split on ``---`` lines, so one bad document
    spares the others and a document over ``max_bytes`` is refused without being held whole."""
    lines = text.splitlines(keepends=True) if isinstance(text, str) else text
    held: list[str] = []
    size, first, oversized = 0, 1, False
    lineno = 0
    for lineno, line in enumerate(lines, 1):
        if _YAML_SEP.match(line.rstrip("\r\n")):
            yield from _yaml_chunk(name, held, first, size, oversized, max_bytes)
            held, size, first, oversized = [], 0, lineno + 1, False
            continue
        size += len(line)
        if size > max_bytes:
            held, oversized = [], True
        elif not oversized:
            held.append(line)
    yield from _yaml_chunk(name, held, first, size, oversized, max_bytes)


def _yaml_chunk(
    name: str, held: list[str], first: int, size: int, oversized: bool, max_bytes: int
) -> Iterator[Document | Problem]:
    where = f"{name}:{first}"
    if oversized:
        yield Problem(where, _too_large(size, max_bytes))
        return
    chunk = "".join(held)
    if not chunk.strip():
        return
    observed = _header_time(chunk)
    try:
        value = yaml.load(chunk, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first + (mark.line if mark else 0)
        yield NotKubernetes(f"{name}:{line}", f"invalid YAML: {err.problem or err.context}")
        return
    except yaml.YAMLError as err:
        yield NotKubernetes(where, f"invalid YAML: {str(err).splitlines()[0]}")
        return
    if value is None:
        return
    if "*" in chunk and _expands_beyond(value, max_bytes):
        yield Problem(
            where,
            f"YAML aliases expand beyond {_NODE_LIMIT:,} nodes or the {max_bytes / 1e6:.1f} MB limit (a billion-laughs document?)",
        )
        return
    if _NON_FINITE.search(chunk) and _has_non_finite(value):
        yield Problem(where, "NaN or Infinity is not a JSON number: not kept")
        return
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


def _expands_beyond(value: Any, max_bytes: int) -> bool:
    """Whether the document, aliases expanded, has more nodes than the limit or more bytes of
    text than ``max_bytes`` (a few large strings repeated by aliases balloon the same way)."""
    nodes = size = 0
    stack = [value]
    while stack:
        v = stack.pop()
        nodes += 1
        if isinstance(v, dict):
            stack.extend(v.values())
            size += sum(len(str(k)) + 4 for k in v)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            size += len(v) + 2
        else:
            size += 8
        if nodes > _NODE_LIMIT or size > max_bytes:
            return True
    return False


def _has_non_finite(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
