"""The secrets rule: Secret values never leave this function.

``data`` and ``stringData`` values of a core/v1 Secret are replaced by a salted
digest, so a change of value stays visible (the digest changes) while the value
cannot be read back or compared across stores (each store has its own salt).
``data`` values are decoded from base64 before hashing so that the same value
given as ``data`` or ``stringData`` gets the same digest. The
``kubectl.kubernetes.io/last-applied-configuration`` annotation, which holds
the whole Secret as it was applied, is redacted the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

import orjson

from crumbs.model import Obj

REDACTED_PREFIX = "crumbs-redacted:"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_VALUE_FIELDS = ("data", "stringData")


def is_secret(obj: Obj) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def digest_value(salt: bytes, value: bytes) -> str:
    mac = hmac.new(salt, value, hashlib.sha256).hexdigest()[:16]
    return f"{REDACTED_PREFIX}hmac-sha256:{mac}"


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REDACTED_PREFIX)


def redact_secret(obj: Obj, salt: bytes) -> Obj:
    """A copy of a Secret with every value replaced by its salted digest.

    Keys, type, metadata (but the last-applied annotation's values) are kept.
    Objects that are not Secrets come back unchanged (the same object).
    """
    if not is_secret(obj):
        return obj
    out = _redact_values(obj, salt)
    md = obj.get("metadata")
    if isinstance(md, dict):
        annotations = md.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            out["metadata"] = {
                **md,
                "annotations": {
                    **annotations,
                    LAST_APPLIED: _redact_applied(annotations[LAST_APPLIED], salt),
                },
            }
    return out


def _redact_values(obj: Obj, salt: bytes) -> Obj:
    out = dict(obj)
    for field in _VALUE_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            out[field] = {k: _digest(salt, field, v) for k, v in values.items()}
        elif values is not None:
            out[field] = digest_value(salt, orjson.dumps(values, option=orjson.OPT_SORT_KEYS))
    return out


def _digest(salt: bytes, field: str, value: Any) -> str:
    if is_redacted(value):
        return str(value)
    if not isinstance(value, str):
        return digest_value(salt, orjson.dumps(value))
    if field == "data":
        try:
            return digest_value(salt, base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    return digest_value(salt, value.encode("utf-8", "surrogatepass"))


def _redact_applied(text: Any, salt: bytes) -> str:
    if not isinstance(text, str):
        return digest_value(salt, orjson.dumps(text))
    try:
        applied = orjson.loads(text)
    except orjson.JSONDecodeError:
        return digest_value(salt, text.encode())
    if not isinstance(applied, dict):
        return digest_value(salt, text.encode())
    return orjson.dumps(_redact_values(applied, salt)).decode() + "\n"
