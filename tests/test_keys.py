"""Secrets at rest (issue 12 item 13): the host key lives outside every store and keys full-length digests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

import pytest

from crumbs import keys
from crumbs.errors import KeyFileError
from crumbs.store import Store


@pytest.fixture(autouse=True)
def fresh_keys() -> None:
    keys.forget()
    yield
    keys.forget()


def secret(value: str, name: str = "db") -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": "shop", "uid": f"u-{name}"},
            "data": {"password": base64.b64encode(value.encode()).decode()}}  # fmt: skip


def ingest(cli, tmp_path: Path, *docs: dict, extra: tuple[str, ...] = ()) -> str:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(docs)}))
    db = str(tmp_path / "s.db")
    r = cli("ingest", *extra, str(path), db=db)
    assert r.code == 0, r.err
    return db


def test_a_new_key_is_made_once_private_and_outside_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.delenv("CRUMBS_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    db = ingest(cli, tmp_path, secret("Summer2024!"))
    key_file = tmp_path / "config" / "crumbs" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key = bytes.fromhex(key_file.read_text().strip())
    assert len(key) == 32 and key not in Path(db).read_bytes()
    with Store.open(db) as store:
        (rev,) = store.queries.between(None, None)
        digest = rev.doc["data"]["password"].rsplit(":", 1)[1]
        assert len(digest) == 64  # full length, not 64 bits
        # only the key (kept outside) tells a guess: the store alone holds nothing to test one with
        want = hmac.new(key, b"secret-value\0Summer2024!", hashlib.sha256).hexdigest()
        assert digest == want
        assert store.db.execute("SELECT value FROM meta WHERE key = 'key_id'").fetchone()[
            0
        ] == keys.key_id(key)
    keys.forget()
    ingest(cli, tmp_path, secret("other", "db2"))  # the same key again, not a new one
    assert bytes.fromhex(key_file.read_text().strip()) == key


def test_a_key_file_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """In a cluster: a Kubernetes Secret mounted as a file, named by CRUMBS_KEY_FILE."""
    key_file = tmp_path / "mounted.key"
    key_file.write_text("cd" * 32 + "\n")
    key_file.chmod(0o400)
    monkeypatch.setenv("CRUMBS_KEY_FILE", str(key_file))
    db = ingest(cli, tmp_path, secret("x"))
    with Store.open(db) as store:
        (rev,) = store.queries.between(None, None)
    want = hmac.new(bytes.fromhex("cd" * 32), b"secret-value\0x", hashlib.sha256).hexdigest()
    assert rev.doc["data"]["password"].endswith(want)


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [("ab" * 4, 0o600, "at least 16 are needed"), ("ab" * 32, 0o666, "writable by others")],
)
def test_a_bad_key_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli, content: str, mode: int, message: str
) -> None:
    key_file = tmp_path / "k"
    key_file.write_text(content)
    key_file.chmod(mode)
    monkeypatch.setenv("CRUMBS_KEY_FILE", str(key_file))
    path = tmp_path / "s.json"
    path.write_text(json.dumps(secret("x")))
    r = cli("ingest", str(path), db=str(tmp_path / "s.db"))
    assert r.code == 1 and message in r.err and len(r.err.strip().splitlines()) == 1
    with pytest.raises(KeyFileError):
        keys.host_key()


def test_a_fifo_as_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "k"
    os.mkfifo(fifo)
    monkeypatch.setenv("CRUMBS_KEY_FILE", str(fifo))
    with pytest.raises(KeyFileError, match="regular file"):
        keys.host_key()


def test_secret_digests_off_keeps_keys_only(tmp_path: Path, cli) -> None:
    db = ingest(cli, tmp_path, secret("Summer2024!"), extra=("--secret-digests", "off"))
    with Store.open(db) as store:
        (rev,) = store.queries.between(None, None)
    assert rev.doc["data"] == {"password": "crumbs-redacted:not-kept"}
