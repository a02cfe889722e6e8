"""kubectl's ``-o jsonpath=TEMPLATE``: its template dialect over a maintained JSONPath library.

A template is text with actions in braces, as ``k8s.io/client-go/util/jsonpath`` reads it:
``{.items[*].metadata.name}`` (a path from the current object; ``$`` the whole input, ``@``
the current one), ``{range .items[*]}…{end}`` (the inner template once per match),
``{"\\n"}`` and ``{'\\t'}`` (literal text, with ``\\n``, ``\\t`` and ``\\\\`` escapes). The
paths themselves (``[*]``, ``[0]``, ``[1:3]``, ``..name``, ``[?(@.type=="Ready")]``) are
jsonpath-ng's extended parser's, confined to this module. As kubectl prints them: several
matches are separated by a space, strings are printed bare, maps and lists as JSON, a missing
field prints nothing (kubectl's ``--allow-missing-template-keys``, on by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext.parser import parse

from crumbs.errors import UsageError


@dataclass
class _Node:
    text: str = ""
    """Literal text (when ``path`` is empty)."""
    path: str = ""
    body: list[_Node] | None = None
    """A range's inner template."""


@dataclass
class _Frame:
    nodes: list[_Node] = field(default_factory=list)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def _literal(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _actions(template: str) -> list[tuple[str, str]]:
    """[("text", …) or ("action", …)], braces matched outside quotes."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            parts.append(("text", template[i:]))
            break
        if start > i:
            parts.append(("text", template[i:start]))
        depth, quote, j = 0, "", start
        while j < len(template):
            ch = template[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(template):
            raise UsageError(f"jsonpath {template!r}: unclosed action at {start}")
        parts.append(("action", template[start + 1 : j].strip()))
        i = j + 1
    return parts


@lru_cache(maxsize=64)
def _compiled(template: str) -> list[_Node]:
    stack = [_Frame()]
    for kind, value in _actions(template):
        top = stack[-1].nodes
        if kind == "text":
            top.append(_Node(text=value))
        elif value == "end":
            if len(stack) == 1:
                raise UsageError(f"jsonpath {template!r}: {{end}} without {{range}}")
            body = stack.pop().nodes
            stack[-1].nodes[-1].body = body
        elif value.startswith("range "):
            top.append(_Node(path=_check(template, value.removeprefix("range ").strip()), body=[]))
            stack.append(_Frame())
        elif value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            top.append(_Node(text=_literal(value[1:-1])))
        else:
            top.append(_Node(path=_check(template, value)))
    if len(stack) != 1:
        raise UsageError(f"jsonpath {template!r}: {{range}} without {{end}}")
    return stack[0].nodes


def _expression(path: str) -> str:
    """kubectl's ``.a.b`` (from the current object) as jsonpath-ng's ``$.a.b``."""
    if path.startswith("@"):
        return "$" + path[1:]
    if path.startswith("$"):
        return path
    return "$" + (path if path.startswith((".", "[")) else "." + path)


@lru_cache(maxsize=256)
def _parsed(path: str) -> Any:
    return parse(_expression(path))


def _check(template: str, path: str) -> str:
    try:
        _parsed(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as e:  # noqa: BLE001 - its errors vary
        raise UsageError(f"jsonpath {template!r}: {path!r}: {str(e).splitlines()[0]}") from None
    return path


def _matches(path: str, current: Any, root: Any) -> list[Any]:
    start = root if path.startswith("$") else current
    return [m.value for m in _parsed(path).find(start)]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _run(nodes: list[_Node], current: Any, root: Any, out: list[str]) -> None:
    for node in nodes:
        if not node.path:
            out.append(node.text)
        elif node.body is not None:
            for item in _matches(node.path, current, root):
                _run(node.body, item, root, out)
        else:
            out.append(" ".join(_show(v) for v in _matches(node.path, current, root)))


def render(template: str, data: Any) -> str:
    """The template filled from ``data`` (a UsageError naming what is wrong with it)."""
    out: list[str] = []
    _run(_compiled(template), data, data, out)
    return "".join(out)
