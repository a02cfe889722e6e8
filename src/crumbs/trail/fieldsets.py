"""managedFields ``fieldsV1`` as an ownership tree: which manager owns which field.

``fieldsV1`` is structured-merge-diff's trie of owned paths. Its keys are
``f:<field>``, ``k:<json object>`` (a list item identified by key fields),
``v:<json value>`` (an item of a set-like list), ``i:<index>`` (an item by
position), and ``.`` (the node itself is owned, not only its children). A
leaf ``{}`` is owned.

The tree is what ``blame`` walks: each owned node records every manager entry
that owns it, in managedFields order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from crumbs.model import mapping, sequence
from crumbs.timeutil import parse_time

PathElement = tuple[str, Any]
"""("f", name) | ("k", ((field, value), ...)) | ("v", json text) | ("i", index)."""


class FieldsError(ValueError):
    """A ``fieldsV1`` that does not parse."""


@dataclass(frozen=True, slots=True)
class Manager:
    """One managedFields entry."""

    manager: str
    operation: str
    subresource: str
    time: int | None
    api_version: str
    index: int
    """Position in managedFields (a tie-breaker: later entries are later writes)."""


@dataclass(slots=True)
class Node:
    parent: Node | None = None
    fields: dict[str, Node] = field(default_factory=dict)
    keys: dict[tuple[tuple[str, Any], ...], Node] = field(default_factory=dict)
    values: dict[str, Node] = field(default_factory=dict)
    positions: dict[int, Node] = field(default_factory=dict)
    owners: list[Manager] = field(default_factory=list)

    def child(self, element: PathElement) -> Node:
        kind, name = element
        table: dict[Any, Node]
        if kind == "f":
            table = self.fields
        elif kind == "k":
            table = self.keys
        elif kind == "v":
            table = self.values
        else:
            table = self.positions
        node = table.get(name)
        if node is None:
            node = table[name] = Node(parent=self)
        return node

    def owned_by(self) -> list[Manager]:
        """The owners of the nearest owned node, this one or an ancestor."""
        node: Node | None = self
        while node is not None:
            if node.owners:
                return node.owners
            node = node.parent
        return []

    def item_for(self, item: Any) -> Node | None:
        """The node of a list item: the first key node whose key fields the item has."""
        if not isinstance(item, dict):
            return None
        for key, node in self.keys.items():
            if all(name in item and same_value(item[name], value) for name, value in key):
                return node
        return None


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b)


def parse_element(text: str) -> PathElement:
    prefix, _, rest = text.partition(":")
    try:
        if prefix == "f":
            return ("f", rest)
        if prefix == "k":
            key = orjson.loads(rest)
            if not isinstance(key, dict):
                raise FieldsError(f"key {text!r} is not an object")
            return ("k", tuple(sorted(key.items())))
        if prefix == "v":
            return ("v", orjson.dumps(orjson.loads(rest), option=orjson.OPT_SORT_KEYS).decode())
        if prefix == "i":
            return ("i", int(rest))
    except (orjson.JSONDecodeError, ValueError) as err:
        raise FieldsError(f"bad path element {text!r}: {err}") from None
    raise FieldsError(f"unknown path element {text!r}")


def owned_paths(
    fields_v1: Any, prefix: tuple[PathElement, ...] = ()
) -> Iterator[tuple[PathElement, ...]]:
    """Every owned path of a ``fieldsV1`` trie."""
    if not isinstance(fields_v1, dict):
        raise FieldsError(f"fieldsV1 node is a {type(fields_v1).__name__}, not an object")
    for key, sub in fields_v1.items():
        if key == ".":
            yield prefix
            continue
        path = (*prefix, parse_element(key))
        if isinstance(sub, dict) and sub:
            yield from owned_paths(sub, path)
        else:
            yield path


@lru_cache(maxsize=8192)
def _parsed(raw: bytes) -> tuple[tuple[PathElement, ...], ...] | FieldsError:
    try:
        return tuple(owned_paths(orjson.loads(raw)))
    except FieldsError as err:
        return err


def paths_of(fields_v1: Any) -> tuple[tuple[PathElement, ...], ...]:
    """The owned paths of a ``fieldsV1`` trie, parsed once per distinct trie (they repeat across revisions)."""
    try:
        raw = orjson.dumps(fields_v1)
    except TypeError as err:
        raise FieldsError(str(err)) from None
    result = _parsed(raw)
    if isinstance(result, FieldsError):
        raise result
    return result


def managers(obj: dict[str, Any]) -> list[tuple[Manager, Any]]:
    """(entry, fieldsV1) for each well-formed managedFields entry."""
    out = []
    entries = sequence(mapping(obj.get("metadata")).get("managedFields"))
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("manager"), str):
            continue
        raw_time = entry.get("time")
        out.append(
            (
                Manager(
                    manager=entry["manager"],
                    operation=str(entry.get("operation") or ""),
                    subresource=str(entry.get("subresource") or ""),
                    time=parse_time(raw_time) if isinstance(raw_time, str) else None,
                    api_version=str(entry.get("apiVersion") or ""),
                    index=i,
                ),
                entry.get("fieldsV1"),
            )
        )
    return out


@dataclass
class Ownership:
    root: Node
    entries: list[Manager]
    problems: list[str]
    """Entries that could not be read ("attribution unknown: ...")."""


def ownership(obj: dict[str, Any]) -> Ownership:
    """The ownership tree of an object's managedFields (broken entries are noted and skipped)."""
    root = Node()
    entries: list[Manager] = []
    problems: list[str] = []
    for entry, fields_v1 in managers(obj):
        if fields_v1 is None:
            entries.append(entry)
            continue
        try:
            paths = paths_of(fields_v1)
        except FieldsError as err:
            problems.append(f"managedFields[{entry.index}] ({entry.manager}): {err}")
            continue
        entries.append(entry)
        for path in paths:
            node = root
            for element in path:
                node = node.child(element)
            node.owners.append(entry)
    return Ownership(root, entries, problems)
