"""Short renderings of values for one-line summaries."""

from __future__ import annotations

from typing import Any

import orjson

MAX = 48


def fmt(value: Any, limit: int = MAX) -> str:
    if isinstance(value, str):
        text = value if value else '""'
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        text = orjson.dumps(value).decode()
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labels(value: Any) -> str:
    """``{"app": "checkout"}`` → ``app=checkout`` (``{}`` → ``(none)``)."""
    if not isinstance(value, dict) or not value:
        return "(none)"
    return ",".join(f"{k}={v}" for k, v in sorted(value.items()))


def image_change(old: str, new: str) -> str:
    """``ghcr.io/acme/billing:1.4.2 → 2.0.0`` when only the tag or digest moved."""
    old_repo, old_ref = _split_image(old)
    new_repo, new_ref = _split_image(new)
    if old_repo == new_repo and old_ref and new_ref:
        return f"{old_repo}{old_ref} → {new_ref.lstrip(':@')}"
    return f"{_short_digest(old)} → {_short_digest(new)}"


def _split_image(image: str) -> tuple[str, str]:
    if "@" in image:
        repo, _, digest = image.partition("@")
        return repo, "@" + _short_digest(digest)
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def _short_digest(ref: str) -> str:
    if "sha256:" in ref:
        head, _, hexpart = ref.partition("sha256:")
        return f"{head}sha256:{hexpart[:12]}"
    return ref
