"""Recordings in the watch-event format, shared by the scenario builders, and the managedFields entry builder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any


def mf(
    manager: str,
    time: str,
    fields: dict[str, Any] | None = None,
    op: str = "Update",
    sub: str = "",
    api: str = "v1",
) -> dict[str, Any]:
    """One managedFields entry."""
    e = {
        "apiVersion": api,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields or {"f:metadata": {"f:labels": {}}},
        "manager": manager,
        "operation": op,
        "time": time,
    }
    if sub:
        e["subresource"] = sub
    return e


class WatchLog:
    """Watch events as a recorder wrote them: each a copy of the object with the next resourceVersion."""

    def __init__(
        self, directory: Path, rv: int = 1000, step: int = 3, in_time_order: bool = True
    ) -> None:
        self.directory = directory
        self.lines: list[dict[str, Any]] = []
        self.rv = rv
        self.step = step
        self.in_time_order = in_time_order

    def emit(self, etype: str, time: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        self.rv += self.step
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.lines.append({"type": etype, "object": obj, "time": time})
        return copy.deepcopy(obj)

    def add(self, time: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self.emit("ADDED", time, obj)

    def change(self, time: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self.emit("MODIFIED", time, obj)

    def delete(self, time: str, obj: dict[str, Any]) -> dict[str, Any]:
        return self.emit("DELETED", time, obj)

    def write(self, name: str) -> None:
        if self.in_time_order:
            self.lines.sort(key=lambda line: line["time"])
        with open(self.directory / f"{name}.jsonl", "w") as f:
            for line in self.lines:
                f.write(json.dumps(line, separators=(",", ":")) + "\n")
