"""kubectl's ``-l/--selector`` and ``--field-selector``, over stored objects.

Label selectors take the API's syntax (``k8s.io/apimachinery/pkg/labels``): ``app=web``,
``app==web``, ``tier!=db``, ``env in (prod,qa)``, ``env notin (dev)``, ``canary`` (has the
label), ``!canary``; requirements joined by commas all hold. Field selectors take
``path=value``, ``path==value`` and ``path!=value`` joined by commas, where the path is any
dotted field of the object (``metadata.name``, ``status.phase``, ``spec.nodeName``…):
kubectl's server accepts a few fields per kind; the store has the whole object. A missing
field compares as ``""``, as the API server's field sets do.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crumbs.errors import UsageError
from crumbs.model import Obj, mapping

Match = Callable[[Obj], bool]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)\s*$")
_EQ = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=)\s*(?P<value>{_VALUE})\s*$")
_HAS = re.compile(rf"^\s*(?P<not>!)?\s*(?P<key>{_KEY})\s*$")


def _requirements(text: str) -> list[str]:
    """Split at the commas that are not inside ``( )``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


Labels = dict[str, object]


def _requirement(text: str, part: str) -> Callable[[Labels], bool]:
    if m := _SET.match(part):
        key, values = m["key"], {v.strip() for v in m["values"].split(",") if v.strip()}
        inside = m["op"] == "in"
        return lambda labels: (labels.get(key) in values) == inside
    if m := _EQ.match(part):
        key, value, equal = m["key"], m["value"] or "", m["op"] != "!="
        return lambda labels: (labels.get(key) == value) == equal
    if m := _HAS.match(part):
        key, present = m["key"], not m["not"]
        return lambda labels: (key in labels) == present
    raise UsageError(f"-l {text!r}: {part.strip()!r} is not a label requirement (app=web, env in (a,b), !canary)")  # fmt: skip


def label_selector(text: str) -> Match:
    """A predicate over an object's labels; :class:`UsageError` naming the requirement that is
    not a selector."""
    parts = _requirements(text)
    if any(not p.strip() for p in parts):
        raise UsageError(f"-l {text!r}: an empty requirement")
    checks = [_requirement(text, p) for p in parts]

    def match(doc: Obj) -> bool:
        labels = mapping(mapping(doc.get("metadata")).get("labels"))
        return all(check(labels) for check in checks)

    return match


def _field(doc: Obj, path: str) -> str:
    value: object = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_FIELD = re.compile(r"^\s*(?P<path>[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*)\s*(?P<op>==|!=|=)\s*(?P<value>[^,]*?)\s*$")  # fmt: skip


def field_selector(text: str) -> Match:
    """A predicate over an object's fields; :class:`UsageError` naming what is not one."""
    checks: list[tuple[str, bool, str]] = []
    for part in text.split(","):
        m = _FIELD.match(part)
        if m is None:
            raise UsageError(f"--field-selector {text!r}: {part.strip()!r} is not path=value or path!=value")  # fmt: skip
        checks.append((m["path"], m["op"] != "!=", m["value"]))

    def match(doc: Obj) -> bool:
        return all((_field(doc, path) == value) == equal for path, equal, value in checks)

    return match
