"""JSON Pointers to the dotted paths people read: ``spec.template.spec.containers[billing].image``."""

from __future__ import annotations

from typing import Any


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def get_pointer(doc: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``doc``, or None when it is not there."""
    node = doc
    for part in split_pointer(pointer):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def display_path(pointer: str, doc: Any) -> str:
    """List items with a ``name`` are shown by name (containers, env, ports, volumes)."""
    out = ""
    node = doc
    for part in split_pointer(pointer):
        if isinstance(node, list):
            item = node[int(part)] if part.isdigit() and int(part) < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            out += f"[{name}]" if isinstance(name, str) else f"[{part}]"
            node = item
        else:
            needs_quote = "." in part or not part
            out += f'["{part}"]' if needs_quote else ("." if out else "") + part
            node = node.get(part) if isinstance(node, dict) else None
    return out
