"""The README is the manual: every command is in it, and every command in it exists."""

from __future__ import annotations

import re

import typer

from crumbs.cli import COMMANDS, app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_registered_command_is_listed() -> None:
    registered = {c.name for c in typer.main.get_command(app).commands.values()}  # type: ignore[attr-defined]
    assert registered == set(COMMANDS)


def test_every_command_has_a_section_with_an_example() -> None:
    headings = re.findall(r"^### `crumbs (\w+)`", README, re.MULTILINE)
    assert headings == list(COMMANDS)
    for name in COMMANDS:
        section = README.split(f"### `crumbs {name}`", 1)[1].split("\n### ", 1)[0]
        assert f"crumbs {name}" in section.split("```", 1)[1], f"no example for {name}"


def test_every_command_has_its_json_shape_documented() -> None:
    table = README.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    for name in COMMANDS:
        assert f"| `{name}` |" in table, name


def test_the_two_commands_are_there() -> None:
    assert "make demo" in README and "make test" in README
