"""``blame``: an object as YAML with, per line, the managedFields entry that last set it.

The rules are kubectl-blame's (so its goldens hold): keys sorted; a line is
owned by the nearest owned node of the ownership tree, itself or an ancestor;
a list item of maps is found by its key fields and its line is owned like its
first key; items of set-like lists by their value; text blocks' continuation
lines carry no owner. Where history is given, each line also says at which
revision its value first appeared (and stayed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs.model import Obj, StoredRevision
from crumbs.trail import goyaml
from crumbs.trail.fieldsets import Manager, Node, ownership

ValuePath = tuple[Any, ...]
"""Dict keys and ("#", index, name) list steps to the value a line shows."""


@dataclass(slots=True)
class Line:
    text: str
    owners: list[Manager]
    path: ValuePath | None
    """What the line shows; None for lines that are part of a block or a separator."""
    bare: bool = False
    """Printed without the owner column (empty block lines, document separators)."""
    since: StoredRevision | None = None

    @property
    def owner(self) -> Manager | None:
        """The latest writer among the owners (shared ownership names several)."""
        if not self.owners:
            return None
        return max(self.owners, key=lambda m: (m.time or 0, m.index))


@dataclass
class Blame:
    lines: list[Line]
    managers: list[Manager]
    problems: list[str] = field(default_factory=list)


def blame(obj: Obj, history: Sequence[StoredRevision] = ()) -> Blame:
    """Blame lines for ``obj``; ``history`` (oldest first, ending with ``obj``'s revision) adds ``since``."""
    tree = ownership(obj)
    shown = _without_managed_fields(obj)
    lines: list[Line] = []
    _map(shown, tree.root, 0, True, (), lines)
    if history:
        _since(lines, history)
    return Blame(lines, tree.entries, tree.problems)


def _without_managed_fields(obj: Obj) -> Obj:
    md = obj.get("metadata")
    if not isinstance(md, dict) or "managedFields" not in md:
        return obj
    return {**obj, "metadata": {k: v for k, v in md.items() if k != "managedFields"}}


def _continue(lines: list[Line], text: str) -> None:
    lines[-1].text += text


def _map(
    value: dict[str, Any], node: Node, level: int, newline: bool, path: ValuePath, lines: list[Line]
) -> None:
    indent = "  " * level
    for i, key in enumerate(sorted(value)):
        child = node.fields.get(key)
        key_text = goyaml.string(key, key=True)
        item_path = (*path, key)
        if i == 0 and not newline:
            _continue(lines, key_text + ":")
            lines[-1].path = item_path
        else:
            lines.append(Line(f"{indent}{key_text}:", (child or node).owned_by(), item_path))
        _value(value[key], child or node, level, item_path, lines)


def _value(val: Any, node: Node, level: int, path: ValuePath, lines: list[Line]) -> None:
    if isinstance(val, dict):
        if not val:
            _continue(lines, " {}")
        else:
            _map(val, node, level + 1, True, path, lines)
    elif isinstance(val, list):
        if not val:
            _continue(lines, " []")
        else:
            _list(val, node, level, True, path, lines)
    elif isinstance(val, str) and goyaml.only_newlines(val):
        header, body = goyaml.block(val)
        _continue(lines, " " + header)
        indent = "  " * (level + 1)
        for text in body:
            lines.append(Line(indent + text, [], None) if text else Line("", [], None, bare=True))
    else:
        _continue(lines, " " + goyaml.scalar(val))


def _list(
    items: list[Any], node: Node, level: int, newline: bool, path: ValuePath, lines: list[Line]
) -> None:
    indent = "  " * level
    list_owners = node.owned_by()
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        item_path = (*path, ("#", i, name if isinstance(name, str) else None))
        if isinstance(item, dict):
            child = node.item_for(item) or node
            owners = child.owned_by()
            if item:
                first = child.fields.get(min(item))
                if first is not None:
                    owners = first.owned_by()
            lines.append(Line(f"{indent}- ", owners, item_path))
            if item:
                _map(item, child, level + 1, False, item_path, lines)
            else:
                _continue(lines, "{}")
        elif isinstance(item, list):
            if i != 0 or newline:
                lines.append(Line(f"{indent}- ", list_owners, item_path))
            _list(item, node, level + 1, False, item_path, lines)
        else:
            owners = list_owners
            value_node = (
                node.values.get(orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode())
                if node.values
                else None
            )
            if value_node is not None:
                owners = value_node.owned_by()
            if isinstance(item, str) and goyaml.only_newlines(item):
                lines.append(Line(f"{indent}-", owners, item_path))
                _value(item, node, level, item_path, lines)
            else:
                lines.append(Line(f"{indent}- {goyaml.scalar(item)}", owners, item_path))


# -- since -------------------------------------------------------------------------

_MISSING = object()


def value_at(doc: Any, path: ValuePath) -> Any:
    node = doc
    for step in path:
        if isinstance(step, tuple):
            _, index, name = step
            if not isinstance(node, list):
                return _MISSING
            if name is not None:
                node = next(
                    (x for x in node if isinstance(x, dict) and x.get("name") == name), _MISSING
                )
            else:
                node = node[index] if index < len(node) else _MISSING
        elif isinstance(node, dict):
            node = node.get(step, _MISSING)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _since(lines: list[Line], history: Sequence[StoredRevision]) -> None:
    """For each line, the earliest revision from which its value stayed as it is now."""
    current = history[-1].doc
    for line in lines:
        if line.path is None:
            continue
        now = value_at(current, line.path)
        since = history[-1]
        for rev in reversed(history[:-1]):
            if rev.uid != history[-1].uid or value_at(rev.doc, line.path) != now:
                break
            since = rev
        line.since = since


# -- rendering -------------------------------------------------------------------------


def columns(result: Blame) -> tuple[int, int]:
    """Widths of the manager and operation columns, as kubectl-blame sizes them."""
    mw = max((len(m.manager) for m in result.managers), default=0)
    ow = max((len(m.operation) for m in result.managers), default=0)
    return mw, ow


def kubectl_blame_text(result: Blame) -> list[str]:
    """Lines exactly as ``kubectl blame --time none`` prints them (for comparison and migration)."""
    mw, ow = columns(result)
    empty = " " * (mw + ow + 2)
    out = []
    for line in result.lines:
        if line.bare:
            out.append(line.text)
            continue
        owner = line.owner
        prefix = f"{owner.manager:<{mw}} {owner.operation:<{ow}} " if owner else empty
        out.append(prefix + line.text)
    return out
