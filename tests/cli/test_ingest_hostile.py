"""Ingest never hangs, never balloons, never aborts on one value (issue 12 item 10).

Memory is measured in a child process (its peak RSS, from ``ru_maxrss`` of the
child as the kernel reports it), with the limit stated in each test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from crumbs.store import Store

CRUMBS = [sys.executable, "-m", "crumbs"]


def configmap(name: str, **extra: object) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "x", "uid": f"u-{name}", **extra}, "data": {"k": "v"}}  # fmt: skip


_MEASURED = """
import atexit, sys
from crumbs.cli import main

def peak():  # this process's own high-water mark (VmHWM: since its exec, not its fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write(f"PEAK-KB {line.split()[1]}\\n")

atexit.register(peak)
sys.exit(main(sys.argv[1:]))
"""


def run(db: str, *args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], int]:
    """``crumbs --db DB ARGS`` in a child; its result and its peak RSS in MiB."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, "--db", db, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = proc.stderr.splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("PEAK-KB ")]
    proc.stderr = "".join(line + "\n" for line in lines if not line.startswith("PEAK-KB "))
    return proc, (peak[0] // 1024 if peak else 0)


def revisions(db: str) -> int:
    with Store.open(db) as store:
        return store.queries.counts()["revisions"]


def test_fifos_and_devices_are_refused_or_skipped_at_once(tmp_path: Path) -> None:
    d = tmp_path / "walk"
    d.mkdir()
    (d / "ok.json").write_text(json.dumps(configmap("ok")))
    os.mkfifo(d / "pipe")
    (d / "zero").symlink_to("/dev/zero")
    (d / "random").symlink_to("/dev/urandom")
    db = str(tmp_path / "s.db")
    started = time.monotonic()
    walked, _ = run(db, "ingest", "-v", str(d), timeout=30)
    assert walked.returncode == 0, walked.stderr
    assert "a FIFO" in walked.stderr and "a character device" in walked.stderr
    for named in (str(d / "pipe"), "/dev/zero", "/dev/urandom"):
        r, _ = run(db, "ingest", named, timeout=30)
        assert r.returncode == 1 and "not a regular file" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 2  # the rejection and the summary
    assert time.monotonic() - started < 20  # none of them was read until it ended
    assert revisions(db) == 1


def test_an_alias_bomb_of_large_strings_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A few 100 kB strings repeated by 10,000 aliases: few nodes, gigabytes expanded."""
    big = "x" * 100_000
    aliases = "\n".join(f"  k{i}: *s" for i in range(10_000))
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bomb, namespace: x}}\ndata:\n  s: &s {big}\n{aliases}\n"
    text += "---\n" + json.dumps(configmap("after"))
    (tmp_path / "bomb.yaml").write_text(text)
    db = str(tmp_path / "s.db")
    r, peak = run(db, "ingest", str(tmp_path / "bomb.yaml"), timeout=60)
    assert r.returncode == 1 and "aliases expand beyond" in r.stderr, r.stderr
    assert peak < 400, f"{peak} MiB"  # limit: 400 MiB (the expansion would be ~1 GB of text)
    assert revisions(db) == 1  # the document after it is stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time", "2263-01-01T00:00:00Z"),
        ("time", "1500-01-01T00:00:00Z"),
        ("creationTimestamp", "2263-01-01T00:00:00Z"),
    ],
)
def test_a_time_beyond_what_can_be_kept_is_one_line_and_the_rest_goes_in(
    tmp_path: Path, field: str, value: str
) -> None:
    lines = [
        {"type": "ADDED", "object": configmap(f"cm-{i}"), "time": "2026-11-20T10:00:00Z"}
        for i in range(5)
    ]
    if field == "time":
        lines[2]["time"] = value
    else:
        lines[2]["object"]["metadata"]["creationTimestamp"] = value  # type: ignore[index]
    path = tmp_path / "w.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    db = str(tmp_path / "s.db")
    r, _ = run(db, "ingest", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "w.jsonl:3" in r.stderr and "outside the times Crumbs can keep" in r.stderr
    assert revisions(db) == 4


@pytest.mark.parametrize(
    "option",
    [
        ["timeline", "--since", "1000000d"],
        ["scan", "--at", "2300-01-01"],
        ["get", "cm", "--at", "1500-01-01"],
    ],
)
def test_time_options_beyond_range_are_one_line(tmp_path: Path, option: list[str]) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text(
        json.dumps({"type": "ADDED", "object": configmap("a"), "time": "2026-11-20T10:00:00Z"})
        + "\n"
    )
    db = str(tmp_path / "s.db")
    assert run(db, "ingest", str(path))[0].returncode == 0
    r, _ = run(db, *option)
    assert r.returncode == 2 and "outside the times Crumbs can keep" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_numbers_json_cannot_keep_exactly_are_refused_not_changed(tmp_path: Path) -> None:
    big = 123456789012345678901234567890
    (tmp_path / "big.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big", "namespace": "x"}, "spec": {"n": '
        + str(big)
        + "}}"
    )
    (tmp_path / "nan.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nan, namespace: x}\nspec: {ratio: .nan}\n"
    )
    (tmp_path / "bigyaml.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: by, namespace: x}}\nspec: {{n: {big}}}\n"
    )
    (tmp_path / "fine.json").write_text(
        json.dumps({**configmap("fine"), "spec": {"n": 18446744073709551615}})
    )
    db = str(tmp_path / "s.db")
    r, _ = run(db, "ingest", str(tmp_path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "does not fit in 64 bits" in r.stderr and "NaN or Infinity" in r.stderr
    assert "bigyaml.yaml" in r.stderr
    with Store.open(db) as store:
        (rev,) = store.queries.between(None, None)
        assert rev.doc["spec"]["n"] == 18446744073709551615  # kept exactly


@pytest.mark.slow
def test_a_big_list_is_streamed_item_by_item(tmp_path: Path) -> None:
    """A 60 MB `kubectl get -A -o json` List: each item against the size limit, memory bounded."""
    pad = "p" * 2_000
    items = [{**configmap(f"cm-{i}"), "data": {"pad": pad, "i": str(i)}} for i in range(30_000)]
    items[7]["data"]["huge"] = "h" * 3_000_000  # one object over a 2 MB limit
    path = tmp_path / "all.json"
    with open(path, "w") as f:
        json.dump(
            {
                "apiVersion": "v1",
                "items": items,
                "kind": "List",
                "metadata": {"resourceVersion": ""},
            },
            f,
            indent=4,
        )
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 60
    db = str(tmp_path / "s.db")
    r, peak = run(db, "ingest", "--max-object-size", str(2_000_000), str(path), timeout=600)
    assert r.returncode == 1 and "exceeds the 2.0 MB limit" in r.stderr, r.stderr
    assert revisions(db) == 30_000 - 1
    # limit: 2 × the file (whole-file parsing took 4 ×: 269 MiB for 66 MiB)
    assert peak < 2 * size_mb, f"peak RSS {peak} MiB for a {size_mb:.0f} MiB List"


def test_an_unreadable_directory_is_reported(tmp_path: Path) -> None:
    """Run as nobody when the suite runs as root (root reads everything)."""
    base = Path(tempfile.mkdtemp(prefix="crumbs-unreadable-"))
    try:
        base.chmod(0o777)
        (base / "ok").mkdir()
        (base / "ok" / "cm.json").write_text(json.dumps(configmap("ok")))
        (base / "locked").mkdir()
        (base / "locked" / "cm.json").write_text(json.dumps(configmap("locked")))
        (base / "locked").chmod(0)
        cmd = [*CRUMBS, "--db", str(base / "s.db"), "ingest", "--secret-digests", "off", str(base)]
        if os.geteuid() == 0:
            cmd = [
                "setpriv",
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                *cmd,
            ]
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(base)}
        )
        assert r.returncode == 1, r.stderr
        assert "locked: cannot read: Permission denied" in r.stderr
        assert "stored 1 revisions" in r.stderr
    finally:
        (base / "locked").chmod(0o755)
        subprocess.run(["rm", "-rf", str(base)], check=False)


@pytest.mark.slow
def test_when_the_writer_process_dies_the_ingest_says_why(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    with open(path, "w") as f:
        for i in range(400_000):
            f.write(json.dumps({"type": "ADDED", "object": {**configmap(f"cm-{i}"), "data": {"pad": "z" * 500}},
                                "time": "2026-11-20T10:00:00Z"}) + "\n")  # fmt: skip
    db = str(tmp_path / "s.db")
    proc = subprocess.Popen(
        [*CRUMBS, "--db", db, "ingest", str(path)], stderr=subprocess.PIPE, text=True
    )
    writer = None
    deadline = time.monotonic() + 60
    while writer is None and time.monotonic() < deadline:
        out = subprocess.run(
            ["pgrep", "-f", "crumbs.store.process", "-P", str(proc.pid)],
            capture_output=True,
            text=True,
        )
        writer = int(out.stdout.split()[0]) if out.stdout.strip() else None
        time.sleep(0.05)
    assert writer is not None, "no writer process started"
    os.kill(writer, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err, err
    lines = [x for x in err.splitlines() if x.startswith("crumbs: error:")]
    assert len(lines) == 1, err
    line = lines[0]
    assert "the writer process died: killed by SIGKILL" in line
    with Store.open(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
