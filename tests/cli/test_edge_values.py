"""Config and edge values (issue 12 item 16): every odd value is one line, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BIG = "9" * 5000


def one_line(r, code: int | None = None) -> str:
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crumbs: error:"), r.err
    assert "Traceback" not in r.err
    if code is not None:
        assert r.code == code, (r.code, r.err)
    return lines[0]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('anonymize = "false"', "anonymize must be true or false, not str"),
        ("native_tools = 1", "native_tools must be true or false, not int"),
        ("timeout = true", "timeout must be a number, not bool"),
        ('temperature = "hot"', "temperature must be a number"),
        ("timeout = -5", "between 0 and 1e9"),
        ("api_key_env = 7", "api_key_env must be a string"),
        ("colour = 1", "unknown setting"),
    ],
)
def test_config_values_are_type_checked(
    demo_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, message: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[llm]\nurl = "http://127.0.0.1:9/v1"\nmodel = "m"\n{setting}\n')
    monkeypatch.setenv("CRUMBS_CONFIG", str(config))
    assert message in one_line(demo_cli("ask", "why?"), 2)


def test_a_config_or_kubeconfig_that_is_a_fifo_is_refused(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("CRUMBS_CONFIG", str(fifo))
    assert "regular file" in one_line(cli("ask", "why?"))
    assert "not a regular file" in one_line(
        cli("watch", "--kubeconfig", str(fifo), "--for", "1"), 1
    )


def test_yaml_tags_in_a_kubeconfig_are_refused(cli, tmp_path: Path) -> None:
    kc = tmp_path / "kubeconfig"
    kc.write_text('apiVersion: v1\nkind: Config\nusers: !!python/object/apply:os.system ["true"]\n')
    assert "kubeconfig" in one_line(cli("watch", "--kubeconfig", str(kc), "--for", "1"), 1)
    kc.write_text("apiVersion: v1\nkind: Config\ncurrent-context: !!binary aGk=\n")
    assert "YAML tags are not allowed" in one_line(
        cli("watch", "--kubeconfig", str(kc), "--for", "1"), 1
    )


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "--batch-size", BIG, "-"],
        ["ingest", "--max-object-size", "0", "-"],
        ["timeline", "--since", BIG + "d"],
        ["ask", "x", "--budget", BIG],
        ["ask", "x", "--budget", "10"],
        ["history", "deploy/billing", "-n", BIG],
        ["diff", "deploy/billing", "-n", "shop", "--from", BIG],
        ["agent", "--retain", "-1"],
        ["watch", "--for", "-1"],
        ["ingest", "--bogus", "-"],
    ],
    ids=lambda a: " ".join(x[:12] for x in a[:3]),
)
def test_odd_numbers_and_options_are_one_line(demo_cli, args: list[str]) -> None:
    r = demo_cli(*args, stdin=b"")
    line = one_line(r)
    assert r.code in (1, 2) and len(line) < 700


def test_forty_thousand_repeated_options(demo_cli) -> None:
    many = [a for _ in range(40_000) for a in ("--kind", "deploy")]
    r = demo_cli("timeline", *many, "-o", "json")
    assert r.code == 0, r.err[-300:]
    assert all(
        e["object"]["kind"] == "Deployment" for e in r.json()["entries"] if e["type"] == "change"
    )
    r = demo_cli("scan", *[a for _ in range(40_000) for a in ("-a", "services")], "-o", "json")
    assert r.code in (0, 3), r.err[-300:]
