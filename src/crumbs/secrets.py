"""The secrets rule: Secret values never leave this function.

``data`` and ``stringData`` values of a core/v1 Secret are replaced by a keyed
digest (HMAC-SHA-256, full length, with the host key of :mod:`crumbs.keys`,
which is kept outside every store), so a change of value stays visible (the
digest changes) while the value cannot be read back, nor guessed from the
store file alone. ``data`` values are decoded from base64 before hashing so
that the same value given as ``data`` or ``stringData`` gets the same digest.
The ``kubectl.kubernetes.io/last-applied-configuration`` annotation, which
holds the whole Secret as it was applied, is redacted the same way. With no
key (``--secret-digests off``) only the keys are kept: every value becomes
:data:`NOT_KEPT`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from crumbs.keys import keyed
from crumbs.model import Obj

REDACTED_PREFIX = "crumbs-redacted:"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_VALUE_FIELDS = ("data", "stringData")


def is_secret(obj: Obj) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


NOT_KEPT = REDACTED_PREFIX + "not-kept"
"""A secret value stored without a digest (``--secret-digests off``)."""


def digest_value(key: bytes | None, value: bytes) -> str:
    if key is None:
        return NOT_KEPT
    return f"{REDACTED_PREFIX}hmac-sha256:{keyed(key, 'secret-value', value)}"


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REDACTED_PREFIX)


def redact_secret(obj: Obj, key: bytes | None) -> Obj:
    """A copy of a Secret with every value replaced by its keyed digest.

    Keys, type, metadata (but the last-applied annotation's values) are kept.
    Objects that are not Secrets come back unchanged (the same object).
    """
    if not is_secret(obj):
        return obj
    out = _redact_values(obj, key)
    md = obj.get("metadata")
    if isinstance(md, dict):
        annotations = md.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            out["metadata"] = {
                **md,
                "annotations": {
                    **annotations,
                    LAST_APPLIED: _redact_applied(annotations[LAST_APPLIED], key),
                },
            }
    return out


def _redact_values(obj: Obj, key: bytes | None) -> Obj:
    out = dict(obj)
    for field in _VALUE_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            out[field] = {k: _digest(key, field, v) for k, v in values.items()}
        elif values is not None:
            out[field] = digest_value(key, orjson.dumps(values, option=orjson.OPT_SORT_KEYS))
    return out


def _digest(key: bytes | None, field: str, value: Any) -> str:
    if is_redacted(value):
        return str(value)
    if not isinstance(value, str):
        return digest_value(key, orjson.dumps(value))
    if field == "data":
        try:
            return digest_value(key, base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    return digest_value(key, value.encode("utf-8", "surrogatepass"))


def _redact_applied(text: Any, key: bytes | None) -> str:
    if not isinstance(text, str):
        return digest_value(key, orjson.dumps(text))
    try:
        applied = orjson.loads(text)
    except orjson.JSONDecodeError:
        return digest_value(key, text.encode())
    if not isinstance(applied, dict):
        return digest_value(key, text.encode())
    return orjson.dumps(_redact_values(applied, key)).decode() + "\n"
