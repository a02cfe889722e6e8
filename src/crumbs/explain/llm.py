"""Any OpenAI-compatible chat-completions endpoint, through the ``openai`` SDK.

OpenAI, Azure OpenAI (its ``/openai/deployments/NAME`` base URL), vLLM,
Ollama (``http://localhost:11434/v1``), llama.cpp's server, LM Studio: they all
speak chat completions with tool calls. The SDK retries 429s (honouring
``Retry-After``) and 5xx with backoff; timeouts and what is left after the
retries stop the run with one line.

Models without native tool calling get the tools described in the system
prompt and answer with JSON in text: ``{"tool": NAME, "arguments": {...}}`` to
call one, anything else is the answer. The switch is automatic when the
endpoint refuses ``tools`` (400), or forced with ``native_tools = false``.

Everything sent is redacted first (the question too), and optionally
anonymised: namespace and object names become ``ns-1``, ``obj-2`` in what
leaves, and are put back in the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs.explain.context import redact
from crumbs.explain.model import ModelError, ToolCall, Turn, turn_from_message
from crumbs.explain.pricing import cost_of

TEXT_TOOLS = """You have no native tool calling here. To call a tool, answer with only a JSON object:
{"tool": "<name>", "arguments": {...}}. Tool results come back as a user message starting with
"Tool result". When you have enough evidence, answer in plain text (no JSON object). Tools:
"""
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


@dataclass
class LLMConfig:
    base_url: str
    model: str
    api_key: str = ""
    temperature: float = 0.0
    timeout: float = 60.0
    max_retries: int = 2
    native_tools: bool = True
    anonymize: bool = False
    prices: dict[str, float] = field(default_factory=dict)
    """Optional ``{"in": $/1M tokens, "out": $/1M tokens}`` for models the price table lacks."""


class OpenAIModel:
    mode = "model"

    def __init__(self, config: LLMConfig) -> None:
        from openai import OpenAI

        self.config = config
        self.name = config.model
        self.native = config.native_tools
        self.anonymizer = Anonymizer() if config.anonymize else None
        self.client = OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout,
            max_retries=config.max_retries,
        )

    @property
    def params(self) -> dict[str, Any]:
        c = self.config
        return {"endpoint": c.base_url, "temperature": c.temperature, "native_tools": self.native,
                "anonymize": c.anonymize, "timeout": c.timeout, "max_retries": c.max_retries}  # fmt: skip

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn:
        import openai

        outgoing = [redact(m) for m in (messages if self.native else _as_text(messages, tools))]
        if self.anonymizer is not None:
            outgoing = self.anonymizer.hide(outgoing)
        kwargs: dict[str, Any] = {
            "model": self.config.model,
            "messages": outgoing,
            "temperature": self.config.temperature,
        }
        if self.native:
            kwargs["tools"] = tools
        try:
            resp = self.client.chat.completions.create(**kwargs)
        except openai.BadRequestError as err:
            if self.native and "tool" in str(err).lower():
                self.native = False  # the endpoint has no tool calling: JSON in text from now on
                return self.complete(messages, tools)
            raise ModelError(f"{self.config.base_url}: {err}") from None
        except openai.APITimeoutError:
            raise ModelError(
                f"{self.config.base_url}: no answer within {self.config.timeout:g} s"
            ) from None
        except openai.RateLimitError as err:
            raise ModelError(
                f"{self.config.base_url}: rate limited after {self.config.max_retries} retries: {err}"
            ) from None
        except openai.APIError as err:
            raise ModelError(f"{self.config.base_url}: {err}") from None
        except Exception as err:  # an answer the SDK cannot read (HTML from a proxy, say)
            raise ModelError(
                f"{self.config.base_url}: unreadable answer ({type(err).__name__}: {str(err)[:120]})"
            ) from None
        if not resp.choices:
            raise ModelError(f"{self.config.base_url}: an answer without choices")
        message = resp.choices[0].message.model_dump(exclude_none=True)
        usage = resp.usage.model_dump() if resp.usage else {}
        if self.anonymizer is not None:
            message = self.anonymizer.reveal(message)
        turn = turn_from_message(message, usage) if self.native else _from_text(message, usage)
        turn.cost = cost_of(self.config.model, turn.tokens_in, turn.tokens_out, self.config.prices)
        return turn


def _as_text(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation for a model without tool calling: tools in the system prompt, results as text."""
    catalogue = "\n".join(
        f"- {t['function']['name']}: {t['function']['description']} Arguments: {orjson.dumps(t['function']['parameters']['properties']).decode()}"
        for t in tools
    )
    out: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        if role == "system":
            out.append({"role": "system", "content": f"{m['content']}\n\n{TEXT_TOOLS}{catalogue}"})
        elif role == "tool":
            out.append(
                {
                    "role": "user",
                    "content": f"Tool result ({m.get('tool_call_id')}):\n{m.get('content')}",
                }
            )
        elif role == "assistant" and m.get("tool_calls"):
            calls = [
                {
                    "tool": c["function"]["name"],
                    "arguments": orjson.loads(c["function"]["arguments"] or "{}"),
                }
                for c in m["tool_calls"]
            ]
            out.append(
                {
                    "role": "assistant",
                    "content": orjson.dumps(calls[0] if len(calls) == 1 else calls).decode(),
                }
            )
        else:
            out.append({"role": str(role), "content": m.get("content") or ""})
    return out


def _from_text(message: dict[str, Any], usage: dict[str, Any]) -> Turn:
    """A JSON-in-text answer: a tool call if it is ``{"tool": ..., "arguments": ...}``, else the answer."""
    content = str(message.get("content") or "")
    match = _JSON_OBJECT.search(content)
    if match:
        try:
            doc = orjson.loads(match.group(0))
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("tool"), str):
            n = len(content)
            call = ToolCall(
                f"text_{n}", doc["tool"], orjson.dumps(doc.get("arguments") or {}).decode()
            )
            native = {"role": "assistant", "content": content,
                      "tool_calls": [{"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}]}  # fmt: skip
            turn = turn_from_message(native, usage)
            turn.raw["text_mode"] = True
            return turn
    return turn_from_message({"role": "assistant", "content": content}, usage)


_NAME_FIELDS = {"namespace", "name"}


def _json(text: str) -> Any:
    """Parsed JSON when ``text`` is a JSON object or array, else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, (dict, list)) else None


class Anonymizer:
    """Namespace and object names replaced by stable placeholders on the way out, put back on the way in."""

    def __init__(self) -> None:
        self.forward: dict[str, str] = {}
        self.back: dict[str, str] = {}

    def _alias(self, value: str, key: str) -> str:
        if value not in self.forward:
            prefix = "ns" if key == "namespace" else "obj"
            alias = f"{prefix}-{sum(1 for a in self.back if a.startswith(prefix)) + 1}"
            self.forward[value], self.back[alias] = alias, value
        return self.forward[value]

    def hide(self, value: Any) -> Any:
        """Learn the names in ``value`` (name and namespace fields), then replace them everywhere."""
        self._learn(value, "")
        return self._apply(value, "", self.forward) if self.forward else value

    def _learn(self, value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._learn(v, str(k))
        elif isinstance(value, list):
            for v in value:
                self._learn(v, key)
        elif isinstance(value, str):
            if key in _NAME_FIELDS and value:
                self._alias(value, key)
            elif key in ("content", "arguments"):
                doc = _json(value)
                if doc is not None:
                    self._learn(doc, "")

    def _apply(self, value: Any, key: str, table: dict[str, str]) -> Any:
        if isinstance(value, dict):
            return {k: self._apply(v, str(k), table) for k, v in value.items()}
        if isinstance(value, list):
            return [self._apply(v, key, table) for v in value]
        if isinstance(value, str):
            if key in ("content", "arguments"):
                doc = _json(value)
                if doc is not None:
                    return orjson.dumps(self._apply(doc, "", table)).decode()
            return table.get(value) or self._replace(value, table)
        return value

    def reveal(self, value: Any) -> Any:
        return self._apply(value, "", self.back) if self.back else value

    @staticmethod
    def _replace(text: str, table: dict[str, str]) -> str:
        """Names as whole words, also inside dotted and hyphenated ones (checkout-api, release.v1.billing)."""
        pattern = re.compile(
            r"(?<![A-Za-z0-9_])("
            + "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
            + r")(?![A-Za-z0-9_])"
        )
        return pattern.sub(lambda m: table[m.group(1)], text)
