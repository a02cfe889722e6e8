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


def test_every_option_of_every_command_is_documented() -> None:
    """The README's command reference cannot drift from the commands: each option a command
    takes (long or short name) appears in its section or in the shared options table."""
    import typer.main

    common = README.split("Options shared by the commands", 1)[1].split("### `crumbs ", 1)[0]
    root = typer.main.get_command(app)
    missing = []
    for name in COMMANDS:
        command = root.commands[name]  # type: ignore[attr-defined]
        section = README.split(f"### `crumbs {name}`", 1)[1].split("\n### ", 1)[0]
        subs = list(command.commands.values()) if hasattr(command, "commands") else [command]
        for sub in subs:
            for param in sub.params:
                names = [o for o in param.opts if o.startswith("-")]
                if not names or getattr(param, "hidden", False) or "--help" in names:
                    continue
                if not any(
                    f"`{o}" in text or f" {o} " in text for o in names for text in (section, common)
                ):
                    missing.append(f"{name}: {names[0]}")
    assert missing == []


def test_every_json_field_is_documented(demo_cli) -> None:
    """The top-level fields each command prints with ``-o json`` (on the demo incident) are the
    ones its row of the README's JSON table names."""
    table = README.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    runs = {
        "info": ["info"], "timeline": ["timeline"], "history": ["history", "svc/checkout", "-n", "shop"],
        "diff": ["diff", "svc/checkout", "-n", "shop"], "blame": ["blame", "svc/checkout", "-n", "shop"],
        "rollouts": ["rollouts", "deploy/billing", "-n", "shop"], "releases": ["releases"], "drift": ["drift"],
        "scan": ["scan"], "why": ["why", "svc/checkout", "-n", "shop"], "analyzers": ["analyzers"],
        "activity": ["activity"], "status": ["status"], "trace": ["trace", "list"],
    }  # fmt: skip
    undocumented = []
    for name, argv in runs.items():
        result = demo_cli(*argv, "-o", "json")
        assert result.code in (0, 3), (name, result.err)
        documented = {"why": "scan"}.get(name, name)  # why's row: "the same as scan"
        row = next(line for line in table.splitlines() if line.startswith(f"| `{documented}` |"))
        undocumented += [f"{name}: {key}" for key in result.json() if f'"{key}"' not in row]
    assert undocumented == []


CONTRACT = {
    "info": "Info", "timeline": "Timeline", "history": "History", "logs": "Logs", "diff": "Diff",
    "blame": "Blame", "rollouts": "Rollouts", "releases": "Releases", "drift": "Drift", "scan": "Findings",
    "status": "Status", "activity": "Activity", "trace": "TraceDetail", "investigations": "Investigation",
    "store": ("StoreCopy", "StorePrune"),
}  # fmt: skip
"""Each command's JSON, as typed in crumbs.contract."""


def _fields(tp: object, seen: set[object]) -> set[str]:
    """Every key of a contract type, through nested TypedDicts, lists and unions."""
    import typing

    from crumbs import contract

    if tp in seen:
        return set()
    seen.add(tp)
    if typing.is_typeddict(tp):
        hints = typing.get_type_hints(tp, globalns=vars(contract))
        out = set(hints)
        for hint in hints.values():
            out |= _fields(hint, seen)
        return out
    return set().union(*(_fields(a, seen) for a in typing.get_args(tp)))


def test_every_contract_field_is_documented() -> None:
    """Every field the contract types declare, nested ones too, is named in the README's JSON
    section (the table, or the findings and node event blocks below it) — and the contract
    types every command's row names (so a new command cannot skip them)."""
    from crumbs import contract

    section = README.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    missing = []
    for command, names in CONTRACT.items():
        assert f"| `{command}` |" in section, command
        for name in (names,) if isinstance(names, str) else names:
            missing += [f"{name}.{key}" for key in _fields(getattr(contract, name), set()) if f'"{key}"' not in section]  # fmt: skip
    assert missing == []
