"""Unified diffs of YAML renderings, as ``kubectl diff`` shows them."""

from __future__ import annotations

import difflib
from collections.abc import Iterator


def unified_yaml_diff(before: str, after: str, context: int = 3) -> Iterator[str]:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", n=context, lineterm=""
    )
    for i, line in enumerate(lines):
        if i >= 2:  # the ---/+++ header names nothing useful here
            yield line
