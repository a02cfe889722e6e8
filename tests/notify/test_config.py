"""``[notify]`` and ``[alerts]``: routes, destinations, secrets from the environment, errors."""

from __future__ import annotations

import pytest

from crumbs.errors import UsageError
from crumbs.notify.config import parse

DOC = {
    "alerts": {"link": "https://crumbs.example.com/", "map": {"CheckoutErrors": {"kind": "Deployment", "label": "app"}}},
    "notify": {
        "destinations": {
            "oncall": {"type": "slack", "channel": "#oncall", "token_env": "SLACK_BOT_TOKEN"},
            "hook": {"type": "webhook", "url": "https://hooks.example.com/x", "secret_env": "HOOK_SECRET"},
        },
        "routes": [
            {"destinations": ["oncall"], "severity": ["critical"], "namespace": ["shop", "payments"]},
            {"destinations": ["hook", "oncall"]},
        ],
    },
}  # fmt: skip
ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "HOOK_SECRET": "s3cr3t"}


def test_routes_choose_destinations_each_once() -> None:
    a = parse(DOC, env=ENV)
    assert a.link == "https://crumbs.example.com" and a.rules["CheckoutErrors"].label == "app"
    assert a.destinations["oncall"].token == "xoxb-1" and a.destinations["hook"].secret == "s3cr3t"
    shop = {"cluster": "prod", "namespace": "shop", "alertname": "X", "severity": "critical"}
    assert [d.name for d in a.for_(shop)] == ["oncall", "hook"]
    assert [d.name for d in a.for_({**shop, "severity": "warning"})] == ["hook", "oncall"]


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["notify"]["destinations"]["oncall"].update(type="pager"), "type 'pager'"),
    (lambda d: d["notify"]["destinations"]["oncall"].pop("channel"), "channel is needed"),
    (lambda d: d["notify"]["routes"].append({"destinations": ["nope"]}), "[notify.destinations.NAME]"),
    (lambda d: d["notify"]["routes"].append({"destinations": ["hook"], "team": "x"}), "unknown key 'team'"),
    (lambda d: d["notify"]["destinations"]["hook"].update(url="ftp://x"), "url must be http(s)"),
    (lambda d: d["alerts"]["map"].update(Bad={"kind": "Pod"}), "[alerts.map.Bad]"),
])  # fmt: skip
def test_a_setting_that_makes_no_sense_is_one_line(change: object, words: str) -> None:
    import copy

    doc = copy.deepcopy(DOC)
    change(doc)  # type: ignore[operator]
    with pytest.raises(UsageError) as err:
        parse(doc, "config.toml", env=ENV)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_a_secret_named_by_a_variable_that_is_not_set() -> None:
    with pytest.raises(UsageError, match=r"\$HOOK_SECRET is not set"):
        parse(DOC, env={"SLACK_BOT_TOKEN": "x"})


def test_a_route_can_ask_for_the_copilots_explanation() -> None:
    import copy

    doc = copy.deepcopy(DOC)
    doc["notify"]["routes"][0]["explain"] = True
    a = parse(doc, env=ENV)
    shop = {"cluster": "prod", "namespace": "shop", "alertname": "X", "severity": "critical"}
    assert a.explains(shop) and not a.explains({**shop, "namespace": "web"})
    assert parse({**doc, "alerts": {"explain": True}}, env=ENV).explains(
        {**shop, "namespace": "web"}
    )
