"""The copilot's tools: Crumbs' own read-only commands, with their documented JSON as the output.

A tool is an application-layer function (:mod:`crumbs.app`) called directly on the store as
clients see it (redacted): what the model reads is exactly what a user gets from ``crumbs scan
-o json`` and friends (the same functions make both), a contract the test suite pins. The CLI
is never involved. Only reading commands are tools (no ingest, no
watch), arguments are checked against each tool's schema before anything runs
(unknown or mistyped arguments, or a value that would read as an option, are an
error message back to the model, never a crash), and every value goes in as
``--option=value`` so nothing a model sends can become another option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crumbs import contract
from crumbs.app import (
    activity,
    blame,
    diagnose,
    diff,
    drift,
    facts,
    history,
    objects,
    releases,
    rollouts,
    timeline,
    traces,
)
from crumbs.app import logs as logs_app
from crumbs.errors import CrumbsError
from crumbs.model import mapping, sequence
from crumbs.store import Store


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    option: str | None = None
    """``--since``; None: positional."""
    required: bool = False
    many: bool = False
    """A list of strings, the option repeated."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    command: str
    params: tuple[Param, ...] = ()
    fixed: tuple[str, ...] = ()
    post: Callable[[Any], Any] | None = None
    direct: Callable[[Store, dict[str, Any]], Any] | None = None
    """The application-layer function that answers it (no CLI involved), given the checked
    arguments by name (every tool has one; a test checks)."""

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (OpenAI function parameters)."""
        props: dict[str, Any] = {}
        for p in self.params:
            prop: dict[str, Any] = (
                {"type": "array", "items": {"type": "string"}} if p.many else {"type": "string"}
            )
            if p.description:
                prop["description"] = p.description
            props[p.name] = prop
        schema: dict[str, Any] = {"type": "object", "properties": props}
        required = [p.name for p in self.params if p.required]
        if required:
            schema["required"] = required
        return schema

    def argv(self, args: Any) -> list[str]:
        """The command line for ``args``, or :class:`ToolError` saying what is wrong with them."""
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ToolError(
                f"{self.name}: arguments must be a JSON object, got {type(args).__name__}"
            )
        known = {p.name: p for p in self.params}
        unknown = sorted(set(args) - set(known))
        if unknown:
            raise ToolError(
                f"{self.name}: unknown argument(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            )
        out = [self.command, *self.fixed]
        positional: list[str] = []
        for p in self.params:
            value = args.get(p.name)
            if value is None or value == "" or value == []:
                if p.required:
                    raise ToolError(f"{self.name}: {p.name} is required ({p.description})")
                continue
            values = value if p.many and isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, str):
                    raise ToolError(
                        f"{self.name}: {p.name} must be a string, got {type(v).__name__}"
                    )
                text = v
                if p.option is None:
                    if text.startswith("-"):
                        raise ToolError(f"{self.name}: {p.name} cannot start with '-': {text!r}")
                    positional.append(text)
                else:
                    out.append(f"{p.option}={text}")
        return [*out, "-o", "json", *(["--", *positional] if positional else [])]


class ToolError(Exception):
    """Something the model asked for that cannot be done; the message goes back to it."""


def _no_managed_fields(doc: Any) -> Any:
    """Objects from ``get`` without managedFields: who wrote what is blame's job, and it is long."""
    items = sequence(mapping(doc).get("items")) if mapping(doc).get("kind") == "List" else [doc]
    for item in items:
        mapping(mapping(item).get("metadata")).pop("managedFields", None)
    return doc


def _events_only(doc: Any) -> Any:
    entries = [
        e for e in sequence(mapping(doc).get("entries")) if mapping(e).get("type") == "event"
    ]
    return {**mapping(doc), "entries": entries}


_TARGET = Param("target", "KIND/NAME: deploy/billing, svc/checkout", required=True)
_NS = Param("namespace", "", "--namespace")
_AT = Param("at", "", "--at")
_WINDOW = (
    Param("since", "30m, 2h, 7d before the newest record", "--since"),
    Param("start", "", "--from"),
    Param("end", "", "--to"),
    _NS,
    Param("kind", "deploy, Service, cronjobs.batch", "--kind", many=True),
)

TOOLS: tuple[Tool, ...] = (
    Tool("timeline", "Changes (what, who, channel) and Events, oldest first. Times: RFC 3339.", "timeline", _WINDOW,
         direct=lambda store, a: _timeline(store, a)),
    Tool("events", "Kubernetes Events only, oldest first.", "timeline", _WINDOW, post=_events_only,
         direct=lambda store, a: _timeline(store, a, changes=False)),
    Tool("history", "Every revision of an object: id, time, what changed.", "history", (_TARGET, _NS),
         direct=lambda store, a: history.history(store, a["target"], namespace=a.get("namespace")).json()),
    Tool("diff", "What changed between two revisions (default: the last two): summary, paths, patch.", "diff", (_TARGET, _NS, Param("older", "3, -2 or #1234", "--from"), Param("newer", "", "--to")),
         direct=lambda store, a: diff.diff(store, a["target"], namespace=a.get("namespace"), start=a.get("older"), end=a.get("newer") or "-1").json()),
    Tool("blame", "The object as YAML, per line who last wrote it and when.", "blame", (_TARGET, _NS, _AT),
         direct=lambda store, a: blame.blame(store, a["target"], namespace=a.get("namespace"), at=a.get("at")).json()),
    Tool("rollouts", "A workload's rollouts: images, who rolled out each.", "rollouts", (_TARGET, _NS),
         direct=lambda store, a: rollouts.rollouts(store, a["target"], namespace=a.get("namespace")).json()),
    Tool("releases", "Helm releases; with name, its revisions and what changed.", "releases", (Param("name", ""), _NS),
         direct=lambda store, a: releases.releases(store, a.get("name"), a.get("namespace")).json()),
    Tool("drift", "Hand edits of Helm/Argo CD/Flux-owned objects; unowned objects.", "drift", (_NS,),
         direct=lambda store, a: drift.drift_of(store, a.get("namespace")).json()),
    Tool("scan", "Everything broken, with ranked causes (changes, who, when).", "scan", (_NS, _AT, Param("severity", "error, warning or info", "--severity"), Param("selector", "app=web", "--selector")),
         direct=lambda store, a: diagnose.scan(store, at=a.get("at"), namespace=a.get("namespace"), severity=a.get("severity") or "info", selector=a.get("selector")).json()),
    Tool("why", "Findings about one object, with ranked causes.", "why", (_TARGET, _NS, _AT),
         direct=lambda store, a: diagnose.why(store, a["target"], namespace=a.get("namespace"), at=a.get("at")).json()),
    Tool("logs", "The container logs kept of a pod (dumps, archives, watch --logs), newest 200 lines, secrets redacted.", "logs",
         (Param("pod", "the pod's name", required=True), _NS, Param("container", "", "--container"), Param("grep", "a regular expression", "--grep"), _AT),
         fixed=("--tail", "200"), direct=lambda store, a: _logs(store, a)),
    Tool("cluster", "The recorded clusters: Kubernetes version, nodes, namespaces, time covered, deprecated APIs in use, removed APIs.", "info",
         direct=lambda store, a: facts.info(store)),
    Tool("get", "Objects as of a time (no managedFields): KIND or KIND/NAME.", "get", (Param("target", "KIND or KIND/NAME", required=True), _NS, _AT), post=_no_managed_fields,
         direct=lambda store, a: objects.get(store, a["target"], namespace=a.get("namespace"), at=a.get("at")).json()),
    Tool("activity", "What ran and talked on the nodes (eBPF agent, Tetragon, Hubble...): execs, connects with outcome, DNS answers, by pod; newest 200.", "activity", (_NS, Param("pod", "", "--pod"), Param("type", "exec, exit, connect, accept, dns", "--type", many=True), Param("since", "RFC 3339 or 1h", "--since")),
         direct=lambda store, a: _activity(store, a)),
    Tool("traces", "The copilot's earlier investigations, newest first: question, status, answer (secrets masked).", "trace",
         fixed=("list",), direct=lambda store, a: _traces(store)),
)  # fmt: skip
BY_NAME = {t.name: t for t in TOOLS}


@dataclass(frozen=True)
class ToolResult:
    ok: bool
    output: Any
    """The command's JSON document, or the error text."""


def run_tool(db: str, name: str, args: Any) -> ToolResult:
    """Run a tool against the store at ``db``; errors are results too (for the model to read)."""
    tool = BY_NAME.get(name)
    if tool is None:
        return ToolResult(
            False, f"no tool named {name!r}; the tools are: {', '.join(BY_NAME)} (all read-only)"
        )
    try:
        tool.argv(args)  # the arguments checked against the tool's schema
    except ToolError as bad:
        return ToolResult(False, str(bad))
    return _direct(db, tool, {k: v for k, v in mapping(args).items() if v not in (None, "", [])})


def _direct(db: str, tool: Tool, args: dict[str, Any]) -> ToolResult:
    """An application-layer function on the store as clients see it (redacted)."""
    from crumbs.redaction import sharing

    assert tool.direct is not None
    try:
        with Store.open(db, create=False, redactor=sharing()) as store:
            doc = tool.direct(store, args)
    except CrumbsError as err:
        return ToolResult(False, str(err))
    except Exception as err:  # a bug in one tool is a message to the model, not a crash of the run
        return ToolResult(False, f"{tool.name} failed: {type(err).__name__}: {err}"[:500])
    return ToolResult(True, tool.post(doc) if tool.post else doc)


def _logs(store: Store, a: dict[str, Any]) -> contract.Logs:
    q = logs_app.query(store, a["pod"], a.get("namespace"), a.get("container"), False, a.get("at"), a.get("grep"), most=200)  # fmt: skip
    ns, chunks = logs_app.pod_logs(store, q)
    return logs_app.as_json(ns, q.pod, chunks)


def _timeline(store: Store, a: dict[str, Any], changes: bool = True) -> contract.Timeline:
    """``changes=False`` for the events tool: its Events without diffing every change of the window."""
    return timeline.timeline(store, since=a.get("since"), start=a.get("start"), end=a.get("end"),
                             namespace=a.get("namespace"), kinds=_many(a, "kind"), changes=changes).json()  # fmt: skip


def _activity(store: Store, a: dict[str, Any]) -> contract.Activity:
    return activity.activity(store, namespace=a.get("namespace"), pod=a.get("pod"), since=a.get("since"),
                             types=_many(a, "type")).json()  # fmt: skip


def _traces(store: Store) -> Any:
    """The last 10 investigations (``trace list``), masked like everything that leaves."""
    from crumbs.redaction import sharing

    return sharing().tree(traces.trace_list(store, 10)[1])


def _many(a: dict[str, Any], name: str) -> list[str]:
    """A ``many`` parameter's values: one string or a list of them (as :meth:`Tool.argv` takes)."""
    value = a.get(name) or []
    return [value] if isinstance(value, str) else list(value)
