"""``[notify]`` and ``[alerts]`` of the configuration file::

[alerts]
link = "https://crumbs.example.com"        # where the investigation pages are (links in messages)
explain = false                            # also ask the configured model (a trace id in the record)

[alerts.map.MyAppDown]                     # an alert name's own mapping
kind = "Deployment"
label = "app"

[notify.destinations.oncall]
type = "slack"                             # slack, teams or webhook
channel = "#oncall"
token_env = "SLACK_BOT_TOKEN"              # the variable holding the bot token (never the token)
# api_url = "https://slack.com/api/"       # (tests point it at a stand-in)

[notify.destinations.teams]
type = "teams"
url_env = "TEAMS_WEBHOOK_URL"

[notify.destinations.audit]
type = "webhook"
url = "https://hooks.example.com/crumbs"
secret_env = "CRUMBS_WEBHOOK_SECRET"       # HMAC-SHA256 key

[[notify.routes]]                          # every route that matches sends
destinations = ["oncall"]
severity = ["critical", "error"]           # each key: a value or a list; absent: any
namespace = ["shop", "payments"]
# cluster = "prod-eu"
# alertname = ["KubePodCrashLooping"]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from crumbs.alerts import Rule
from crumbs.errors import UsageError

KINDS = ("slack", "teams", "webhook")
MATCHED = ("cluster", "namespace", "alertname", "severity")


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    url: str = ""
    """Slack: the Web API's base URL; Teams and webhooks: where to POST."""
    channel: str = ""
    token: str = ""
    secret: str = ""


@dataclass(frozen=True)
class Route:
    destinations: tuple[str, ...]
    match: dict[str, tuple[str, ...]] = field(default_factory=dict)
    name: str = ""
    """What ``crumbs watch --notify NAME`` calls it."""
    explain: bool = False
    """Its alerts also get the copilot's explanation (a model configured, or the offline one)."""

    def matches(self, values: dict[str, str]) -> bool:
        return all(values.get(k, "") in allowed for k, allowed in self.match.items())


@dataclass(frozen=True)
class Alerting:
    destinations: dict[str, Destination] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    rules: dict[str, Rule] = field(default_factory=dict)
    link: str = ""
    explain: bool = False

    def explains(self, values: dict[str, str]) -> bool:
        """Whether an alert with these values gets the copilot's explanation: ``[alerts] explain``,
        or a matching route's ``explain = true``."""
        return self.explain or any(r.explain and r.matches(values) for r in self.routes)

    def for_(self, values: dict[str, str], only: list[str] | None = None) -> list[Destination]:
        """The destinations every matching route names (of the routes named ``only``, if given),
        each once, in the order first named."""
        names = [
            n
            for r in self.routes
            if (only is None or r.name in only) and r.matches(values)
            for n in r.destinations
        ]
        return [self.destinations[n] for n in dict.fromkeys(names)]


def configured() -> Alerting:
    """The ``[alerts]`` and ``[notify]`` tables of the configuration file (none: nothing routed)."""
    from crumbs.settings import config_file

    path, doc = config_file()
    return parse(doc, str(path))


def parse(
    doc: dict[str, Any], where: str = "config", env: dict[str, str] | None = None
) -> Alerting:
    """The tables as read from the file; a setting that makes no sense is a one-line error."""
    env = dict(os.environ) if env is None else env
    notify, alerts = _table(doc, "notify", where), _table(doc, "alerts", where)
    destinations = {name: _destination(name, _table(notify.get("destinations", {}), name, f"{where}: [notify.destinations]"),
                                       f"{where}: [notify.destinations.{name}]", env)
                    for name in _table(notify, "destinations", where)}  # fmt: skip
    routes = []
    for i, r in enumerate(notify.get("routes") or []):
        at = f"{where}: [[notify.routes]] #{i + 1}"
        if not isinstance(r, dict):
            raise UsageError(f"{at}: a table")
        unknown = set(r) - {"name", "explain", "destinations", *MATCHED}
        if unknown:
            raise UsageError(
                f"{at}: unknown key {sorted(unknown)[0]!r} (known: name, explain, destinations, {', '.join(MATCHED)})"
            )
        names = _strings(r.get("destinations"), f"{at}: destinations")
        missing = [n for n in names if n not in destinations]
        if not names or missing:
            raise UsageError(
                f"{at}: destinations {missing or names!r}: each must be a [notify.destinations.NAME]"
            )
        routes.append(
            Route(
                names,
                {k: _strings(r[k], f"{at}: {k}") for k in MATCHED if k in r},
                str(r.get("name") or ""),
                bool(r.get("explain")),
            )
        )
    rules = {}
    for name, m in _table(alerts, "map", where).items():
        m = _table({"x": m}, "x", f"{where}: [alerts.map.{name}]")
        if not isinstance(m.get("kind"), str) or not isinstance(m.get("label"), str):
            raise UsageError(f"{where}: [alerts.map.{name}]: kind and label (strings) are needed")
        rules[name] = Rule(m["kind"], m["label"], str(m.get("namespace_label") or "namespace"))
    return Alerting(
        destinations,
        tuple(routes),
        rules,
        str(alerts.get("link") or "").rstrip("/"),
        bool(alerts.get("explain")),
    )


def _destination(name: str, d: dict[str, Any], where: str, env: dict[str, str]) -> Destination:
    kind = d.get("type")
    if kind not in KINDS:
        raise UsageError(f"{where}: type {kind!r}: one of {', '.join(KINDS)}")

    def secret(key: str, required: bool) -> str:
        value = str(d.get(key) or "")
        var = d.get(f"{key}_env")
        if var:
            value = env.get(str(var), "")
            if not value and required:
                raise UsageError(f"{where}: {key}_env = {var!r}, but ${var} is not set")
        if required and not value:
            raise UsageError(f"{where}: {key} (or {key}_env) is needed")
        return value

    if kind == "slack":
        if not d.get("channel"):
            raise UsageError(f"{where}: channel is needed")
        return Destination(name, kind, str(d.get("api_url") or "https://slack.com/api/"), str(d["channel"]), secret("token", True))  # fmt: skip
    url = secret("url", True)
    if not url.startswith(("https://", "http://")):
        raise UsageError(f"{where}: url must be http(s)")
    return Destination(name, kind, url, secret=secret("secret", kind == "webhook"))


def _table(doc: Any, key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {}) if isinstance(doc, dict) else {}
    if not isinstance(value, dict):
        raise UsageError(f"{where}: [{key}] must be a table")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"{where}: a string or a list of strings")
