"""What the copilot's loop needs of a model: given the conversation and the tools, one turn back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str
    """As the model wrote them: JSON text (possibly malformed)."""


@dataclass
class Turn:
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The response as received (recorded in the trace, replayed later)."""


class Model(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def mode(self) -> str:
        """``offline``, ``model`` or ``replay``."""
        ...

    @property
    def params(self) -> dict[str, Any]: ...

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn: ...


class ModelError(Exception):
    """The model could not be reached or answered nonsense; the run stops with this message."""


def turn_from_message(message: dict[str, Any], usage: dict[str, Any] | None = None) -> Turn:
    """A chat-completions ``message`` (as recorded) back into a turn."""
    calls = [
        ToolCall(str(c.get("id") or f"call_{i}"), str((c.get("function") or {}).get("name") or ""),
                 str((c.get("function") or {}).get("arguments") or ""))
        for i, c in enumerate(message.get("tool_calls") or [])
        if isinstance(c, dict)
    ]  # fmt: skip
    usage = usage or {}
    return Turn(
        str(message.get("content") or ""),
        calls,
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        raw={"message": message, "usage": usage},
    )
