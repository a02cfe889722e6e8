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
import re
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


# -- secret-looking values anywhere (Helm values, manifests, and later what goes to an LLM) --

_SECRET_KEY = re.compile(
    r"(?i)(pass(word|wd|phrase)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|"
    r"\bdsn\b|connection[-_]?string|cert(ificate)?[-_]?key|client[-_]?secret|^key$|[-_.]key$|signing)"
)
_SECRET_VALUE = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----|^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.|^AKIA[0-9A-Z]{16}$|"
    r"^gh[pousr]_[A-Za-z0-9]{30,}$|^xox[abpr]-[A-Za-z0-9-]{10,}$|^sk-[A-Za-z0-9_-]{20,}$|://[^/\s:@]+:[^/\s@]+@)"
)


def looks_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def looks_secret_value(value: str) -> bool:
    return bool(_SECRET_VALUE.search(value))


def redact_tree(value: Any, salt: bytes, key: str = "", by_key: bool = True) -> Any:
    """A copy of a JSON tree with secret-looking values replaced by salted digests.

    A value is secret-looking when its key is (``password``, ``apiKey``,
    ``client_secret``, ``token``...) or when it looks like a credential itself
    (private keys, JWTs, cloud access keys, URLs with a password). With
    ``by_key`` False only the second test applies (for manifests, where keys
    such as ``secretName`` hold names). Keys and structure stay, and a changed
    value still shows as a changed digest.
    """
    if isinstance(value, dict):
        return {k: redact_tree(v, salt, str(k), by_key) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_tree(v, salt, key, by_key) for v in value]
    if value is None or isinstance(value, bool) or is_redacted(value):
        return value
    text = value if isinstance(value, str) else str(value)
    if (key and looks_secret_key(key) and text) or (
        isinstance(value, str) and looks_secret_value(value)
    ):
        return digest_value(salt, text.encode("utf-8", "surrogatepass"))
    return value
