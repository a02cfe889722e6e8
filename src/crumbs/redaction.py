"""The one redaction: what is secret, wherever it hides, and what it becomes.

Everything that leaves the machine (a model's request, an MCP response, an
HTTP answer, a notification) and every secret-looking value Crumbs keeps
(Helm values, process arguments) passes these rules:

- **By key.** A value under a secret-looking key (``password``, ``token``,
  ``client_secret``, ``apiKey``, ``DB_PASSWORD``...), but not keys that hold a
  name, a reference, a path or a setting (``secretName``, ``passwordFile``,
  ``tokenExpirationSeconds``).
- **By pair.** ``{"name": "DB_PASSWORD", "value": ...}`` (env variables, Helm
  ``--set`` lists), the value of a JSON-patch operation on such a path, and in
  an argument list the element after ``--password`` or ``--token``.
- **By shape.** Credentials recognisable anywhere in text: private keys (PEM),
  JWTs, cloud and Git tokens, ``Bearer``/``Basic`` credentials, passwords in
  URLs, and assignments (``DB_PASSWORD=x``, ``password: "x"``,
  ``"token":"x"``, ``--password=x``, ``--password x``).
- **Inside embedded documents.** A string that holds a JSON document
  (``kubectl.kubernetes.io/last-applied-configuration``, kapp's original, Argo
  CD's and Flux's copies) is parsed, redacted and written back; text that holds
  YAML (ConfigMap files, unified diffs, blame lines, logs) is redacted line by
  line, a ``value:`` line after a secret-looking ``name:`` line included.

What a secret becomes depends on where it goes: :func:`for_sharing` masks it as
``[redacted:1a2b3c4d]`` (a short digest keyed with the host key, so a changed
value still shows as changed and equal values as equal, while nothing can be
guessed from it); :func:`for_storing` writes the full keyed digest the store
keeps for Secret values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from crumbs.errors import KeyFileError
from crumbs.keys import host_key, keyed
from crumbs.model import Obj
from crumbs.secrets import REDACTED_PREFIX, digest_value, is_secret, redact_secret

MASK = "[redacted]"

# -- what is secret ---------------------------------------------------------------------------

_SECRET_WORD = (
    r"pass(?:word|wd|phrase)?|secret|token|credentials?|auth|api[-_.]?key|access[-_.]?key|"
    r"private[-_.]?key|(?:encryption|signing|master|license|ssh|gpg|pgp|session)[-_.]?key|"
    r"client[-_.]?secret|dsn|connection[-_.]?string|cookie"
)
_SECRET_KEY = re.compile(rf"(?i)(?:{_SECRET_WORD}|[-_.]key$)")
_NOT_A_SECRET = re.compile(
    r"(?i)(?:name|names|ref|refs|kind|file|files|path|dir|seconds|enabled|enable|mode|type|"
    r"length|ttl|expiry|expiration|audience|namespace|provider|method|policy|url|endpoint|"
    r"version|header|id|count|rotation|period|algorithm|selector)$"
)
_FLAG = re.compile(rf"(?i)^--?[a-z0-9_.-]*(?:{_SECRET_WORD}|[-_]key)$")


def secret_key(key: str) -> bool:
    """Whether a value under this key (or env name, or flag) is taken for a secret."""
    return bool(key) and bool(_SECRET_KEY.search(key)) and not _NOT_A_SECRET.search(key)


_PEM = r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)"
_TOKENS = (
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bAIza[0-9A-Za-z_-]{35}"  # Google API keys
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{40,}"  # GitHub
    r"|\bglpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|\bxox[abprse]-[A-Za-z0-9-]{10,}"  # Slack
    r"|\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe
    r"|\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic
)
_QUOTED_OR_BARE = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;\"'`}\])]+)"
_NAME = rf"(?i:[A-Za-z0-9_.-]*(?:{_SECRET_WORD})[A-Za-z0-9_.-]*|[A-Za-z0-9_.-]*[-_.]key)"
_INLINE = re.compile(
    rf"(?P<pem>{_PEM})|(?P<token>{_TOKENS})"
    r"|(?P<userinfo>://[^/\s:@'\"]+:)(?P<password>[^/\s@'\"]+)(?=@)"
    r"|(?P<scheme>(?i:\b(?:bearer|basic|token)\s+))(?P<cred>[A-Za-z0-9._~+/=-]{8,})"
    rf"|(?P<lhs>(?<![A-Za-z0-9_.-])(?P<name>(?:--?)?{_NAME})[\"']?\s*[=:]\s*(?i:(?:bearer|basic|digest|token)\s+)?)(?P<rhs>{_QUOTED_OR_BARE})"
    rf"|(?P<flhs>(?<![A-Za-z0-9_.-])(?P<flag>--?{_NAME})\s+)(?P<frhs>[^\s\-\"'][^\s\"']*)"
)
_JSON_ENV = re.compile(
    r'(?P<lhs>"name"\s*:\s*"(?P<name>[^"]+)"\s*,\s*"value"\s*:\s*)(?P<rhs>"(?:[^"\\]|\\.)*")'
)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*")
_PEM_END = re.compile(r".*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_YAML_NAME = re.compile(r"^[-+ ]?\s*-?\s*name:\s*[\"']?([^\s\"']+)[\"']?\s*$")
_YAML_VALUE = re.compile(r"^([-+ ]?\s*(?:-\s+)?value:\s*)(\S.*)$")
_YAML_BLOCK = re.compile(
    r"^([-+ ]?)(\s*)(?:-\s+)?[\"']?([A-Za-z0-9_.-]+)[\"']?:\s*[|>][-+0-9]*\s*$"
)


_HINTS = (
    "-----begin", "eyj", "akia", "asia", "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
    "glpat-", "xox", "sk_", "rk_", "sk-", "://", "bearer", "basic", "pass", "secret", "token",
    "credential", "auth", "key", "dsn", "connection", "cookie", '"name"',
)  # fmt: skip
"""A substring (lower-cased) every shape above needs: a text without any holds no secret
:data:`_INLINE` or :data:`_JSON_ENV` could find (most log lines), and skips them."""


def could_hold_secret(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _HINTS)


def _masked(text: str) -> bool:
    return text.startswith(("[redacted", REDACTED_PREFIX)) or text.strip("\"'").startswith(
        ("[redacted", REDACTED_PREFIX)
    )


class Redactor:
    """Applies the rules; ``mask(value)`` says what a secret value becomes."""

    def __init__(self, mask: Callable[[str], str], secret_digest: bytes | None = None) -> None:
        self.mask = mask
        self._secret_key = secret_digest

    # -- documents and trees ------------------------------------------------------------------

    def document(self, obj: Obj) -> Obj:
        """A Kubernetes object: a Secret's values as digests, then every rule."""
        if is_secret(obj):
            obj = redact_secret(obj, self._secret_key)
        out = self.tree(obj)
        return out if isinstance(out, dict) else obj

    def tree(self, value: Any, key: str = "") -> Any:
        """A copy of a JSON tree with every secret masked (keys and structure stay)."""
        if isinstance(value, dict):
            return self._mapping(value, key)
        if isinstance(value, list):
            return self._list(value, key)
        if isinstance(value, str):
            if secret_key(key) and value and not _masked(value):
                return self.mask(value)
            return self.string(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and secret_key(key):
            return self.mask(str(value))
        return value

    def _mapping(self, value: dict[str, Any], key: str) -> dict[str, Any]:
        name = value.get("name")
        paired = isinstance(name, str) and secret_key(name)
        context = ""
        path = value.get("path")
        if isinstance(path, str) and "op" in value and "value" in value:  # a JSON-patch operation
            context = path.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            paired = paired or secret_key(context) or "/env/" in path
        out = {}
        for k, v in value.items():
            if k == "value" and paired and not isinstance(v, (dict, list)):
                out[k] = self._mask_any(v)
            else:
                out[k] = self.tree(v, context if (k == "value" and context) else str(k))
        return out

    def _list(self, value: list[Any], key: str) -> list[Any]:
        if value and all(isinstance(v, dict) and isinstance(v.get("text"), str) for v in value):
            return self._text_items(value)
        out: list[Any] = []
        hide_next = False
        for v in value:
            if hide_next and isinstance(v, str) and not v.startswith("-"):
                out.append(self._mask_any(v))
                hide_next = False
                continue
            hide_next = isinstance(v, str) and bool(_FLAG.match(v))
            out.append(self.tree(v, key))
        return out

    def _text_items(self, items: list[dict[str, Any]]) -> list[Any]:
        """Items that are lines of one text (blame's YAML): redacted together, a name line informs the next."""
        texts = self.lines([str(i["text"]) for i in items])
        return [
            {k: (t if k == "text" else self.tree(v, k)) for k, v in item.items()}
            for item, t in zip(items, texts, strict=True)
        ]

    def _mask_any(self, v: Any) -> Any:
        if v is None or isinstance(v, bool) or v == "":
            return v
        text = v if isinstance(v, str) else str(v)
        return text if _masked(text) else self.mask(text)

    # -- text ---------------------------------------------------------------------------------

    def string(self, text: str) -> str:
        """A string value: an embedded JSON document redacted as one, else as text."""
        stripped = text.strip()
        if len(stripped) > 1 and stripped[0] in "{[" and stripped[-1] in "}]":
            try:
                inner = orjson.loads(stripped)
            except orjson.JSONDecodeError:
                inner = None
            if isinstance(inner, (dict, list)):
                redacted = self.tree(inner)
                if redacted == inner:
                    return text
                out = orjson.dumps(redacted).decode()
                return out + "\n" if text.endswith("\n") else out
        return self.text(text)

    def text(self, text: str) -> str:
        """Free text (messages, logs, diffs, YAML files): line by line."""
        if "\n" not in text:
            return self._inline(text)
        return "\n".join(self.lines(text.split("\n")))

    def lines(self, lines: list[str]) -> list[str]:
        """Lines of one text, redacted with what earlier lines say (a secret ``name:``, a block)."""
        if not could_hold_secret("\n".join(lines)):
            return list(lines)  # nothing any rule below could find (most logs): one quick look
        out = []
        secret_name = in_pem = False
        block: tuple[str, int] | None = None  # (diff marker, indent) of a secret block scalar
        for line in lines:
            if in_pem:  # the body of a private key, up to its END line
                end = _PEM_END.match(line)
                in_pem = end is None
                out.append(
                    self.mask(line.strip())
                    if end is None
                    else self.mask(end.group(0)) + line[end.end() :]
                )
                continue
            begin = _PEM_BEGIN.search(line)
            if begin and not _PEM_END.search(line, begin.start()):
                in_pem = True
                out.append(line[: begin.start()] + self.mask(begin.group(0)))
                continue
            if block is not None:
                marker, indent = block
                body = line[1:] if marker and line[:1] in "+- " else line
                if body.strip() and len(body) - len(body.lstrip()) > indent:
                    out.append(line[: len(line) - len(body.lstrip())] + self.mask(body.strip()))
                    continue
                block = None
            m = _YAML_BLOCK.match(line)
            if m and secret_key(m.group(3)):
                block = (m.group(1), len(m.group(2)))
                out.append(line)
                continue
            value = _YAML_VALUE.match(line)
            if value and secret_name and not _masked(value.group(2)):
                out.append(value.group(1) + self.mask(value.group(2).strip("\"'")))
                secret_name = False
                continue
            name = _YAML_NAME.match(line)
            if name:
                secret_name = secret_key(name.group(1))
            elif not line.strip().lstrip("+- ").startswith(("value", "valueFrom")):
                secret_name = False
            out.append(self._inline(line))
        return out

    def _inline(self, text: str) -> str:
        if not text or not could_hold_secret(text):
            return text
        text = _JSON_ENV.sub(self._json_env, text)
        return _INLINE.sub(self._inline_match, text)

    def _json_env(self, m: re.Match[str]) -> str:
        rhs = m.group("rhs")
        if not secret_key(m.group("name")) or _masked(rhs[1:-1]):
            return m.group(0)
        return m.group("lhs") + '"' + self.mask(rhs[1:-1]) + '"'

    def _inline_match(self, m: re.Match[str]) -> str:
        if m.group("pem") or m.group("token"):
            return self.mask(m.group(0))
        if m.group("cred"):
            return m.group("scheme") + self.mask(m.group("cred"))
        if m.group("password"):
            return m.group("userinfo") + self.mask(m.group("password"))
        if m.group("flag"):
            lhs, name, rhs = m.group("flhs"), m.group("flag"), m.group("frhs")
        else:
            lhs, name, rhs = m.group("lhs"), m.group("name"), m.group("rhs")
        bare = rhs.strip("\"'")
        if not secret_key(name.lstrip("-")) or not bare or _masked(bare):
            return lhs + self._inline(rhs)
        quote = rhs[0] if rhs[0] in "\"'" else ""
        return lhs + quote + self.mask(bare) + quote


def for_sharing(key: bytes | None) -> Redactor:
    """What leaves the machine: ``[redacted:1a2b3c4d]`` (keyed, 32 bits), or ``[redacted]`` without a key."""

    def mask(value: str) -> str:
        if key is None:
            return MASK
        return f"[redacted:{keyed(key, 'shared-mask', value.encode('utf-8', 'surrogatepass'))[:8]}]"

    return Redactor(mask, key)


def sharing() -> Redactor:
    """The redaction for what leaves the machine, keyed with the host key when there is one."""
    try:
        key: bytes | None = host_key()
    except KeyFileError:
        key = None  # still masked, as plain [redacted]
    return for_sharing(key)


def for_storing(key: bytes | None) -> Redactor:
    """What the store keeps for a secret-looking value: its full keyed digest (or nothing, without a key)."""
    return Redactor(lambda value: digest_value(key, value.encode("utf-8", "surrogatepass")), key)
