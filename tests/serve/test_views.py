"""The web UI's view data: side-by-side rows, the histogram, a step's cost."""

from __future__ import annotations

from crumbs.serve.views import _step_cost, rows


def test_side_by_side_pairs_changed_lines_and_elides_the_rest() -> None:
    old = [f"line {i}" for i in range(20)]
    new = [*old[:10], "line 10 changed", *old[11:], "line 20"]
    out = rows(old, new, context=2)
    changed = [r for r in out if r.get("tag") == "replace"]
    assert changed == [
        {"tag": "replace", "ln": 11, "left": "line 10", "rn": 11, "right": "line 10 changed"}
    ]
    assert {"gap": True} in out  # the equal lines between the two changes are elided
    assert out[-1] == {"tag": "insert", "ln": None, "left": "", "rn": 21, "right": "line 20"}
    assert len(out) < len(new)


def test_a_response_step_is_priced_as_the_run_was() -> None:
    step = {"n": 4, "kind": "response", "name": "gpt-4o-mini", "tokens": 50, "latencyMs": 900,
            "payload": {"message": {"content": "x"}, "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0}}}  # fmt: skip
    assert _step_cost("gpt-4o-mini", {}, step) == 0.15  # type: ignore[arg-type]
    assert _step_cost("local-llama", {"price_in": 1.0}, step) == 1.0  # type: ignore[arg-type]
    assert _step_cost("local-llama", {}, step) is None  # type: ignore[arg-type]
    assert _step_cost("gpt-4o-mini", {}, {**step, "kind": "tool_call"}) is None  # type: ignore[arg-type]
