"""Scalars as go-yaml v2 (``sigs.k8s.io/yaml``, kubectl's YAML) writes them.

A string that would read back as something else (a number, a bool, null, a
timestamp, a base-60 number) is double-quoted; otherwise libyaml's analysis
decides between plain, single- and double-quoted, as in kubectl's output.
PyYAML's emitter is a port of libyaml's, so its analysis is reused.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import yaml.emitter

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF",
}  # fmt: skip
_SPECIAL_FLOATS = {
    ".inf",
    ".Inf",
    ".INF",
    "+.inf",
    "+.Inf",
    "+.INF",
    "-.inf",
    "-.Inf",
    "-.INF",
    ".nan",
    ".NaN",
    ".NAN",
}
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_INT = re.compile(r"^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$")
_GO_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$"
)
_ANALYSER = yaml.emitter.Emitter(io.StringIO())


def reads_as_other_type(s: str) -> bool:
    """Whether go-yaml v2 would read this plain scalar as something other than a string."""
    if s in _NULLS or s in _BOOLS or s in _SPECIAL_FLOATS or _BASE60.match(s):
        return True
    if s[0] in "+-0123456789.":
        return bool(_GO_INT.match(s) or _GO_FLOAT.match(s) or _TIMESTAMP.match(s))
    return False


def only_newlines(s: str) -> bool:
    """Multi-line text without other control characters: a ``|`` block."""
    return (
        "\n" in s
        and all(ch == "\n" or ch.isprintable() or ch == "\t" for ch in s)
        and "\t" not in s
    )


def string(s: str, key: bool = False) -> str:
    """One line: plain, 'single' or "double" quoted."""
    if reads_as_other_type(s):
        return _double(s)
    analysis = _ANALYSER.analyze_scalar(s)
    if analysis.allow_block_plain and not analysis.empty and not (key and analysis.multiline):
        return s
    if analysis.allow_single_quoted and not (key and analysis.multiline):
        return "'" + s.replace("'", "''") + "'"
    return _double(s)


def _double(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def block(s: str) -> tuple[str, list[str]]:
    """A ``|`` block: its header and its lines (kubectl-blame's form)."""
    header = "|+" if s.endswith("\n\n") else "|" if s.endswith("\n") else "|-"
    return header, s.removesuffix("\n").split("\n")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:f}".rstrip("0").rstrip(".")
        return text.removesuffix(".0") if value.is_integer() else text
    return string(str(value))
