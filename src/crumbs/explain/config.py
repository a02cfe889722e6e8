"""Which model answers: command line, then environment, then the config file; none means offline.

Config file: ``$CRUMBS_CONFIG`` or ``~/.config/crumbs/config.toml``::

    [llm]
    url = "http://localhost:11434/v1"      # any OpenAI-compatible endpoint
    model = "qwen2.5:14b"
    api_key_env = "OPENAI_API_KEY"         # the variable holding the key (never the key itself)
    temperature = 0
    timeout = 60
    native_tools = true                    # false: tools described in the prompt, JSON in text
    anonymize = false                      # namespace and object names replaced before sending
    price_in = 0.0                         # $ per million tokens, for models without a known price
    price_out = 0.0

Environment: ``CRUMBS_LLM_URL``, ``CRUMBS_LLM_MODEL``, ``CRUMBS_LLM_API_KEY``
(else ``OPENAI_API_KEY``).
"""

from __future__ import annotations

import os
from typing import Any

from crumbs.errors import UsageError
from crumbs.explain.llm import LLMConfig
from crumbs.settings import config_file, config_path

_TYPES: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "model": (str,),
    "api_key_env": (str,),
    "temperature": (int, float),
    "timeout": (int, float),
    "native_tools": (bool,),
    "anonymize": (bool,),
    "price_in": (int, float),
    "price_out": (int, float),
}
_NAMES = {str: "a string", int: "a number", float: "a number", bool: "true or false"}


def _file() -> dict[str, Any]:
    path, doc = config_file()
    llm = doc.get("llm", {})
    if not isinstance(llm, dict):
        raise UsageError(f"{path}: [llm] must be a table")
    for key, value in llm.items():
        want = _TYPES.get(key)
        if want is None:
            raise UsageError(f"{path}: [llm] {key}: unknown setting (known: {', '.join(_TYPES)})")
        # bool is an int in Python: a number setting must not take true, nor a flag "false"
        if not isinstance(value, want) or (bool not in want and isinstance(value, bool)):
            raise UsageError(
                f"{path}: [llm] {key} must be {_NAMES[want[0]]}, not {type(value).__name__} {str(value)[:40]!r}"
            )
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and not 0 <= value <= 1e9
        ):
            raise UsageError(f"{path}: [llm] {key} must be between 0 and 1e9")
    return llm


def resolve(
    url: str | None, model: str | None, anonymize: bool | None, offline: bool = False
) -> LLMConfig | None:
    """The model to use, or None for the offline explainer."""
    if offline:
        return None
    f = _file()
    url = url or os.environ.get("CRUMBS_LLM_URL") or f.get("url")
    if not url:
        return None
    model = model or os.environ.get("CRUMBS_LLM_MODEL") or f.get("model")
    if not model:
        raise UsageError(
            f"an LLM endpoint ({url}) needs a model name: --model, CRUMBS_LLM_MODEL or [llm] model"
        )
    key_env = str(f.get("api_key_env") or "")
    key = (
        os.environ.get("CRUMBS_LLM_API_KEY")
        or (os.environ.get(key_env) if key_env else None)
        or os.environ.get("OPENAI_API_KEY")
        or ""
    )
    prices = {k: float(f[v]) for k, v in (("in", "price_in"), ("out", "price_out")) if v in f}
    try:
        return LLMConfig(
            base_url=str(url),
            model=str(model),
            api_key=key,
            temperature=float(f.get("temperature", 0.0)),
            timeout=float(f.get("timeout", 60.0)),
            native_tools=bool(f.get("native_tools", True)),
            anonymize=bool(anonymize if anonymize is not None else f.get("anonymize", False)),
            prices=prices,
        )
    except (TypeError, ValueError) as err:
        raise UsageError(f"{config_path()}: [llm]: {err}") from None
