"""Estimated cost of a run: dollars per million tokens for models with a published price.

Prices as published by OpenAI in 2025 (input, output); local and unknown models
cost nothing here, or what ``[llm] price_in`` / ``price_out`` say.
"""

from __future__ import annotations

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}


def cost_of(
    model: str, tokens_in: int, tokens_out: int, override: dict[str, float] | None = None
) -> float | None:
    if override and "in" in override:
        price = (override["in"], override.get("out", override["in"]))
    else:
        name = model.split("/")[-1]
        match = max(
            (k for k in PRICES if name == k or name.startswith(k + "-")), key=len, default=None
        )
        if match is None:
            return None
        price = PRICES[match]
    return round((tokens_in * price[0] + tokens_out * price[1]) / 1_000_000, 6)
