"""Context discipline: what a model is sent is measured, trimmed to a budget, and stripped of secrets.

- **Tokens** are counted with tiktoken when it knows the model and has its
  encoding at hand (no download is attempted at run time), else estimated at
  one token per 3.6 characters of JSON (measured on Crumbs' outputs against
  ``o200k_base``: within 10%).
- **Trimming**: a tool output over its share of the budget keeps the head of
  its longest list and says how much was left out and how to ask for the rest.
- **Redaction** before anything leaves the machine: values under secret-looking
  keys (but names: ``secretName`` is a name), env variables with secret-looking
  names, and credential-shaped substrings anywhere (private keys, JWTs, cloud
  and Git tokens, bearer tokens, passwords in URLs) become ``[redacted]``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from crumbs.secrets import looks_secret_key

CHARS_PER_TOKEN = 3.6
REDACTED = "[redacted]"

_INLINE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}\b"
    r"|\bxox[abpr]-[A-Za-z0-9-]{10,}"
    r"|\bsk-[A-Za-z0-9_-]{20,}"
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}"
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"
)
_NAME_KEYS = re.compile(r"(?i)(name|names|ref|kind)$")


def redact(value: Any, key: str = "") -> Any:
    """A copy of a JSON tree with secrets replaced (see the module's rules)."""
    if isinstance(value, dict):
        env_name = value.get("name")
        secret_env = isinstance(env_name, str) and "value" in value and looks_secret_key(env_name)
        return {
            k: REDACTED if (secret_env and k == "value" and value[k]) else redact(v, str(k))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        if key and looks_secret_key(key) and not _NAME_KEYS.search(key) and value:
            return REDACTED
        return _INLINE.sub(REDACTED, value)
    if (
        key
        and looks_secret_key(key)
        and not _NAME_KEYS.search(key)
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    ):
        return REDACTED
    return value


@functools.lru_cache(maxsize=8)
def _encoding(model: str) -> Any:
    try:
        import tiktoken

        return tiktoken.encoding_for_model(model)
    except Exception:  # unknown model, tiktoken missing, or its encoding not cached here
        return None


def count_tokens(text: str, model: str = "") -> int:
    enc = _encoding(model) if model else None
    if enc is not None:
        return len(enc.encode(text, disallowed_special=()))
    return int(len(text) / CHARS_PER_TOKEN) + 1


def tokenizer_name(model: str) -> str:
    enc = _encoding(model) if model else None
    return (
        f"tiktoken {enc.name}"
        if enc is not None
        else f"estimate ({CHARS_PER_TOKEN} characters a token)"
    )


def as_text(doc: Any) -> str:
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS).decode()


def fit(doc: Any, budget: int, model: str = "", tool: str = "") -> tuple[str, bool]:
    """``doc`` as JSON text within ``budget`` tokens (its longest list cut), and whether it was cut."""
    text = as_text(doc)
    if count_tokens(text, model) <= budget:
        return text, False
    path = _longest_list(doc)
    if path is None:
        cut = text[: int(budget * CHARS_PER_TOKEN)]
        return cut + f"… [cut at {budget} tokens: ask {tool or 'the tool'} for less]", True
    container, key = path
    items = container[key]
    total = len(items)
    lo, hi = 0, total
    while lo < hi:  # the most items that fit
        mid = (lo + hi + 1) // 2
        container[key] = items[:mid]
        if count_tokens(as_text(doc), model) + 60 <= budget:
            lo = mid
        else:
            hi = mid - 1
    container[key] = items[:lo]
    container[f"{key}Truncated"] = {"kept": lo, "total": total,
                                    "more": f"{total - lo} more left out to fit the context: call {tool or 'the tool'} again with a narrower window (since, from/to, namespace, kind) or one object"}  # fmt: skip
    return as_text(doc), True


def _longest_list(doc: Any) -> tuple[Any, Any] | None:
    best: tuple[Any, Any] | None = None
    best_len = 1

    def walk(node: Any) -> None:
        nonlocal best, best_len
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, list) and len(v) > best_len:
                    best, best_len = (node, k), len(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return best
