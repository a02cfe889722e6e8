"""Label selectors, as Kubernetes evaluates them (matchLabels, matchExpressions, and the -l text form)."""

from __future__ import annotations

import re
from typing import Any

from crumbs.errors import UsageError
from crumbs.model import mapping, sequence

Requirement = tuple[str, str, frozenset[str]]
"""(key, operator, values): operator ``In``, ``NotIn``, ``Exists`` or ``DoesNotExist``."""


def from_selector(selector: Any) -> list[Requirement] | None:
    """A LabelSelector (``matchLabels`` / ``matchExpressions``) as requirements; None if it is not one."""
    if not isinstance(selector, dict):
        return None  # an empty selector ({}) selects everything; a missing one nothing
    sel = selector
    out: list[Requirement] = [
        (k, "In", frozenset([str(v)])) for k, v in mapping(sel.get("matchLabels")).items()
    ]
    for expr in sequence(sel.get("matchExpressions")):
        e = mapping(expr)
        op = str(e.get("operator") or "")
        if op in ("In", "NotIn", "Exists", "DoesNotExist"):
            out.append(
                (str(e.get("key") or ""), op, frozenset(str(v) for v in sequence(e.get("values"))))
            )
    return out


def from_map(selector: Any) -> list[Requirement]:
    """A Service-style selector (a plain map) as requirements."""
    return [(k, "In", frozenset([str(v)])) for k, v in mapping(selector).items()]


_TERM = re.compile(
    r"^\s*(!?)([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$"
)


def parse(text: str) -> list[Requirement]:
    """``-l app=web,tier!=db,env in (prod,stage),!legacy``."""
    out: list[Requirement] = []
    for term in _split(text):
        m = _TERM.match(term)
        if not m:
            raise UsageError(f"-l {text!r}: cannot read {term!r} as a label requirement")
        neg, key, op, value, set_op, values = m.groups()
        if neg:
            out.append((key, "DoesNotExist", frozenset()))
        elif op in ("=", "=="):
            out.append((key, "In", frozenset([value])))
        elif op == "!=":
            out.append((key, "NotIn", frozenset([value])))
        elif set_op:
            items = frozenset(v.strip() for v in values.split(",") if v.strip())
            out.append((key, "In" if set_op == "in" else "NotIn", items))
        else:
            out.append((key, "Exists", frozenset()))
    return out


def _split(text: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        terms.append(current)
    return terms


def matches(requirements: list[Requirement], labels: dict[str, Any]) -> bool:
    for key, op, values in requirements:
        has = key in labels
        if op == "In" and (not has or str(labels[key]) not in values):
            return False
        if op == "NotIn" and has and str(labels[key]) in values:
            return False
        if op == "Exists" and not has:
            return False
        if op == "DoesNotExist" and has:
            return False
    return True
