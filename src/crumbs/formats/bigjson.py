"""JSON larger than one document, read without holding it: Lists item by item (ijson).

``kubectl get -A -o json`` of a large cluster is one ``List`` of tens of
megabytes; its items are streamed one at a time with ijson's C parser
(yajl2), so memory stays within about one object and the size limit applies
to each object, not to the document. A top-level array streams the same way.
Anything else this large (concatenated values, a dump's stdout with its log
sections) is split line by line (:func:`crumbs.formats.documents.json_stream`);
a single object over the limit is refused.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import ijson

from crumbs.formats.documents import json_stream
from crumbs.formats.identity import Kinds
from crumbs.formats.objects import Record, interpret, list_item, records_of
from crumbs.model import Problem, Skipped

_PEEK_EVENTS = 200_000
"""Parse events read to find out what the value is (a List's "items" comes early)."""


def large_json(
    stream: io.BufferedReader[Any],
    name: str,
    cluster: str,
    max_document: int,
    known: Kinds | None = None,
) -> Iterator[Record]:
    """Records of a JSON file (or stdin) larger than one document."""
    shape = _shape(stream.peek(1 << 20))
    if shape is None:
        yield from records_of(json_stream(name, stream, max_document), cluster, known)
        return
    prefix, list_kind, list_api = shape
    count = 0
    try:
        for i, item in enumerate(ijson.items(stream, prefix, use_float=True)):
            count += 1
            if prefix == "item":
                yield from interpret(item, f"{name}[{i}]", cluster, None, known)
            else:
                yield from list_item(item, i, list_kind, list_api, name, cluster, None, known)
    except ijson.JSONError as err:
        yield Problem(name, f"invalid JSON after {count:,} items: {str(err).splitlines()[0][:120]}")
        return
    if count == 0:
        yield Skipped(name, f"empty {list_kind or 'list'}")


def _shape(head: bytes) -> tuple[str, str | None, str | None] | None:
    """``("items.item", kind, apiVersion)`` for a List, ``("item", None, None)`` for an array,
    None for anything else, judged from the parse events of the first bytes."""
    kind = api = None
    try:
        for n, (prefix, event, value) in enumerate(ijson.parse(io.BytesIO(head))):
            if n == 0 and event == "start_array":
                return ("item", None, None)
            if prefix == "kind" and event == "string":
                kind = value
            elif prefix == "apiVersion" and event == "string":
                api = value
            elif prefix == "items" and event == "start_array":
                return ("items.item", kind, api)
            elif prefix == "" and event == "end_map" or n > _PEEK_EVENTS:
                return None
    except ijson.IncompleteJSONError:
        return None  # the first value is longer than what was peeked and has no "items" early
    except ijson.JSONError:
        return None
    return None
