"""A throwaway PostgreSQL server for the tests and benchmarks: Debian's ``postgresql`` binaries,
``initdb`` in a temporary directory (as the unprivileged ``postgres`` user when run as root), a
free port on 127.0.0.1, trust authentication, torn down after. (The tests' fixture skips locally
without the package and fails in CI: ``make test`` installs it.)"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

_names = itertools.count(1)


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One server; ``database()`` makes a fresh database on it for each test."""

    def __init__(self, durable: bool = False) -> None:
        """``durable``: PostgreSQL's defaults (fsync, synchronous commit), for benchmarks; else
        a test server that skips them."""
        bindir = binaries()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL's binaries (Debian's postgresql) are not installed")
        self.bindir = bindir
        self.durable = durable
        self.base = Path(tempfile.mkdtemp(prefix="crumbs-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            self._as = ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"]
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")  # fmt: skip
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bindir / tool), *args], check=True,
                       capture_output=True, timeout=120)  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c max_connections=200"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database(self) -> str:
        """A new, empty database; its URL."""
        name = f"t{os.getpid()}_{next(_names)}"
        self.sql(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        for _ in range(3):
            with contextlib.suppress(OSError):
                shutil.rmtree(self.base)
                return
            time.sleep(0.2)
