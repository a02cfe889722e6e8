"""Shared fixtures: the corpus, fresh stores, and running the CLI in-process."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from hypothesis import settings

from crumbs.cli import main
from crumbs.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CRUMBS_CORPUS", ROOT.parent / "shared" / "corpus"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# CI replays the same examples every run (a red CI must mean a change broke something);
# locally every run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def need_corpus() -> Path:
    """The shared corpus: skipped locally when absent, a failure in CI."""
    if CORPUS.is_dir():
        return CORPUS
    if IN_CI:
        pytest.fail(f"the corpus is missing at {CORPUS}: CI must run the corpus tests")
    pytest.skip(f"needs the shared corpus at {CORPUS}")


@pytest.fixture(scope="session")
def host_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "host.key"
    if not path.exists():
        path.write_text("ab" * 32 + "\n")
        path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def no_user_plugins(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, host_key_file: Path
) -> None:
    """The user's own plugins directory, compiled-module cache and host key stay out of the tests."""
    monkeypatch.setenv("CRUMBS_PLUGINS", "")
    monkeypatch.setenv("CRUMBS_WASM_CACHE", str(tmp_path_factory.getbasetemp() / "wasm-cache"))
    monkeypatch.setenv("CRUMBS_KEY_FILE", str(host_key_file))


@pytest.fixture
def corpus() -> Path:
    return need_corpus()


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    return str(tmp_path / "crumbs.db")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One throwaway PostgreSQL server for the run (tests.pgserver)."""
    from tests.pgserver import PostgresServer, binaries

    if binaries() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is missing: `make test` installs Debian's postgresql")
        pytest.skip("needs Debian's postgresql (make debian)")
    server = PostgresServer()
    yield server
    server.close()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def backend_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store's location on the parametrised backend: the store and CLI suites
    run against both (``store_path`` overridden with ``params=BACKENDS`` in their conftest).
    A database's pooled connections are closed after its test."""
    if request.param == "sqlite":
        yield str(tmp_path / "crumbs.db")
        return
    server = request.getfixturevalue("postgres_server")
    yield str(server.database())
    from crumbs.store.postgres import close_pools

    close_pools()


@pytest.fixture
def store(store_path: str) -> Iterator[Store]:
    s = Store.open(store_path)
    yield s
    s.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return orjson.loads(self.out)


@pytest.fixture
def cli(store_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``crumbs --db STORE ARGS...`` in-process; returns code, stdout, stderr."""
    monkeypatch.delenv("CRUMBS_DB", raising=False)

    def run(*args: str, stdin: bytes | None = None, db: str | None = store_path) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        argv = (["--db", db] if db else []) + list(args)
        code = main(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def watch_line(etype: str, obj: dict, time: str | None = None) -> bytes:
    line = {"type": etype, "object": obj}
    if time:
        line["time"] = time
    return orjson.dumps(line)


def deployment(
    name: str = "billing",
    ns: str = "shop",
    image: str = "ghcr.io/acme/billing:1.4.2",
    replicas: int = 2,
    uid: str = "u-1",
    **extra: object,
) -> dict:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": "2026-11-20T09:00:00Z",
            "resourceVersion": "1",
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }
    obj.update(extra)
    return obj


@pytest.fixture
def demo_cli(cli, tmp_path: Path):
    """The CLI on a store holding the bundled demo incident."""
    from crumbs.cli.demo import recording

    (tmp_path / "incident.jsonl").write_bytes(recording())
    r = cli("ingest", str(tmp_path / "incident.jsonl"))
    assert r.code == 0, r.err
    return cli
