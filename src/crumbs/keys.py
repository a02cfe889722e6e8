"""The host key: kept outside every store, it keys the digests that stand in for secret values.

A Secret's values are stored as keyed digests (HMAC-SHA-256, full length) so
that ``diff`` still sees a value change; what goes to a model or an MCP client
shows secret-looking values as short keyed digests; the compiled-plugin cache
is authenticated with it. Whoever holds a store file but not this key cannot
test guesses against those digests.

Where it lives, first found wins:

- ``$CRUMBS_KEY_FILE`` (in a cluster: a Kubernetes Secret mounted as a file);
- ``secret.key`` in the user's config directory (``~/.config/crumbs/``),
  created on first use with 32 random bytes, mode 0600, in a 0700 directory.

The file holds the key as 64 hexadecimal characters (``openssl rand -hex 32``)
or as raw bytes (at least 16). A store records the key's id (not the key), so
opening it with another key is noticed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import threading
from pathlib import Path

from crumbs.errors import KeyFileError
from crumbs.files import reason, regular

ENV = "CRUMBS_KEY_FILE"
MIN_BYTES = 16
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def key_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("crumbs", appauthor=False)) / "secret.key"


def host_key() -> bytes:
    """The host key, made on first use where the environment does not name a file."""
    path = key_path()
    with _lock:
        cached = _cache.get(str(path))
        if cached is not None:
            return cached
        key = _read(path) if path.exists() or os.environ.get(ENV) else _create(path)
        _cache[str(path)] = key
        return key


def key_id(key: bytes) -> str:
    """A public name for a key (a store records it to notice a key change)."""
    return hashlib.sha256(b"crumbs key id\0" + key).hexdigest()[:16]


def keyed(key: bytes, purpose: str, value: bytes) -> str:
    """HMAC-SHA-256 of ``value`` for one purpose (domain-separated), in hex, full length."""
    return hmac.new(key, purpose.encode() + b"\0" + value, hashlib.sha256).hexdigest()


def _read(path: Path) -> bytes:
    try:
        st = regular(path)
    except OSError as err:
        raise KeyFileError(f"{path}: cannot read the key ({ENV}): {reason(err)}") from None
    if st.st_mode & 0o022:
        raise KeyFileError(
            f"{path}: the key file is writable by others (mode {stat.S_IMODE(st.st_mode):04o}): chmod 600 it"
        )
    try:
        data = path.read_bytes()[:4096].strip()
    except OSError as err:
        raise KeyFileError(f"{path}: cannot read the key: {err.strerror or err}") from None
    try:
        key = bytes.fromhex(data.decode("ascii")) if len(data) == 64 else data
    except (UnicodeDecodeError, ValueError):
        key = data
    if len(key) < MIN_BYTES:
        raise KeyFileError(f"{path}: the key is {len(key)} bytes, at least {MIN_BYTES} are needed")
    return key


def _create(path: Path) -> bytes:
    """A new key, written whole before it appears (another process reads it whole or not at all)."""
    text = secrets.token_hex(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode() + b"\n")
        finally:
            os.close(fd)
        os.link(tmp, path)
    except FileExistsError:
        return _read(path)  # another process made it first
    except OSError as err:
        raise KeyFileError(
            f"{path}: cannot create the host key: {err.strerror or err} (set {ENV} to a key file)"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return bytes.fromhex(text)


def forget() -> None:
    """Drop cached keys (tests that switch key files)."""
    with _lock:
        _cache.clear()
