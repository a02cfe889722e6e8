"""The offline explainer: no model, the same loop, a fixed policy, every decision recorded.

It plays the model's part deterministically: it reads the conversation (the
question and the tool results so far) and either calls the next tool or writes
the answer, with one sentence of why for each choice. The question is first routed
(:mod:`crumbs.explain.intents`): what changed → ``timeline``; who changed an object → its
kind's ``timeline``; what the node agent saw → ``activity``; those are answered from that
one result (:mod:`crumbs.explain.answers`). Otherwise, a diagnosis:

1. the question names an object (``svc/checkout``): ``why`` it; else ``scan``;
2. the findings the question is about (their object or a related one is
   named) or else the errors, then warnings; for the first one with a cause,
   the ``history`` of the object that changed;
3. the answer: what is wrong, the most likely cause with who and when, what
   else is wrong, what to do, each sentence citing its evidence.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from crumbs.explain import answers
from crumbs.explain.intents import USES_KINDS, Route, route
from crumbs.explain.model import ToolCall, Turn

NOTE = "(Offline explanation from Crumbs' findings and their causes; no language model was used. Configure one with --llm to ask in your own words.)"
_WORD = re.compile(r"[a-z0-9][-a-z0-9.]*[a-z0-9]")


class OfflineModel:
    name = "crumbs-offline"
    mode = "offline"
    params: dict[str, Any] = {"policy": "why-or-scan, history of the top cause, template answer"}

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn:
        question = next(
            (str(m.get("content") or "") for m in messages if m.get("role") == "user"), ""
        )
        results = _results(messages)
        r = route(question)
        if not results:
            return _call(r.tool, r.args, _first_why(r))
        first = results[0][1] if isinstance(results[0][1], dict) else {}
        if r.intent == "changes":
            return _final(answers.changes(first, _window_words(r.args)))
        if r.intent == "who" and r.target:
            return _final(answers.who(first, r.target))
        if r.intent == "node":
            return _final(answers.node(first))
        if r.intent == "copilot":
            return _final(answers.copilot(first))
        if r.intent == "uses" and r.target:
            if len(results) < len(USES_KINDS):  # the next kind that holds images
                kind = USES_KINDS[len(results)]
                return _call(
                    "get", {**r.args, "target": kind}, f"And the {kind} running {r.target}."
                )
            return _final(answers.uses([d for _, d in results if isinstance(d, dict)], r.target))
        findings_doc = next(
            (doc for name, doc in results if name in ("why", "scan") and isinstance(doc, dict)),
            None,
        )
        findings = _relevant(list((findings_doc or {}).get("findings") or []), question)
        if not any(name == "history" for name, _ in results):
            top = next((f for f in findings if f.get("causes")), None)
            if top is not None:
                subject = top["causes"][0]["subject"]
                target = f"{subject['kind']}/{subject['name']}"
                args = {"target": target, "namespace": subject.get("namespace") or None}
                return _call(
                    "history",
                    {k: v for k, v in args.items() if v},
                    f"The most likely cause is a change of {target}: its history shows what else changed and when.",
                )
        history = next(
            (doc for name, doc in results if name == "history" and isinstance(doc, dict)), None
        )
        answer = _answer(question, findings, history)
        if r.intent == "unknown":
            answer = answer.replace(NOTE, f"{answers.HOW_TO_ASK}\n{NOTE}")
        return Turn(answer, raw={"message": {"role": "assistant", "content": answer}})


def _final(text: str) -> Turn:
    answer = f"{text}\n{NOTE}"
    return Turn(answer, raw={"message": {"role": "assistant", "content": answer}})


def _window_words(args: dict[str, Any]) -> str:
    if args.get("start") and args.get("end"):
        return f"between {args['start']} and {args['end']}"
    if args.get("start"):
        return f"since {args['start']}"
    where = f" in {args['namespace']}" if args.get("namespace") else ""
    return f"in the {args.get('since', '24h')} before the newest record{where}"


def _first_why(r: Route) -> str:
    if r.intent == "changes":
        return "The question asks what changed: the timeline of that window, each change with who made it."
    if r.intent == "who":
        return f"The question asks who changed {r.target}: every recorded change of its kind, each with who made it."
    if r.intent == "node":
        return "The question asks what ran or talked on the nodes: the node agent's events."
    if r.intent == "copilot":
        return "The question asks what the copilot did before: its recorded investigations."
    if r.intent == "uses":
        return f"The question asks what still runs {r.target}: every workload that holds images, pods first."
    if r.intent == "why":
        return f"The question names {r.target}: first, the findings about it and their causes."
    return "The question names no object: first, everything that is wrong and the likely causes."


def _call(name: str, args: dict[str, Any], why: str) -> Turn:
    n = f"offline_{name}"
    message = {"role": "assistant", "content": why,
               "tool_calls": [{"id": n, "type": "function", "function": {"name": name, "arguments": orjson.dumps(args).decode()}}]}  # fmt: skip
    return Turn(why, [ToolCall(n, name, orjson.dumps(args).decode())], raw={"message": message})


def _results(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(tool name, parsed output) of every tool result so far."""
    names: dict[str, str] = {}
    for m in messages:
        for c in m.get("tool_calls") or []:
            names[str(c.get("id"))] = str((c.get("function") or {}).get("name") or "")
    out = []
    for m in messages:
        if m.get("role") == "tool":
            try:
                doc = orjson.loads(str(m.get("content") or ""))
            except orjson.JSONDecodeError:
                doc = None
            out.append((names.get(str(m.get("tool_call_id")), ""), doc))
    return out


def _relevant(findings: list[dict[str, Any]], question: str) -> list[dict[str, Any]]:
    words = set(_WORD.findall(question.lower()))

    def named(f: dict[str, Any]) -> bool:
        names = {f["subject"]["name"]} | {r.get("name") for r in f.get("related") or []}
        return bool(names & words)

    about = [f for f in findings if named(f)]
    if about:
        return about
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(
        (f for f in findings if f.get("severity") != "info"),
        key=lambda f: order.get(str(f.get("severity")), 3),
    )


def _who(actor: dict[str, Any]) -> str:
    if actor.get("manager"):
        user = f" as {actor['user']}" if actor.get("user") else ""
        return f"{actor['manager']}{user} ({actor.get('channel')})"
    return actor.get("note") or "someone the data cannot name"


def _answer(question: str, findings: list[dict[str, Any]], history: dict[str, Any] | None) -> str:
    if not findings:
        return f"Crumbs finds nothing wrong that matches the question in the recorded data. {NOTE}"
    lines = []
    top = findings[0]
    s = top["subject"]
    since = f", since {top['since']}" if top.get("since") else ""
    lines.append(f"**{top['title']}** ({top['severity']}{since}) [{top['id']}]")
    if top.get("detail"):
        lines.append(top["detail"])
    for e in top.get("evidence") or []:
        if e.get("kind") == "log" and e.get("id") is not None:
            quoted = " / ".join(e.get("lines") or [])
            lines.append(
                f"The container's log: {e['summary']} [L{e['id']}]"
                + (f"; it ended with: {quoted}" if quoted else "")
            )
            break
    causes = top.get("causes") or []
    if causes:
        c = causes[0]
        cs = c["subject"]
        lines.append(
            f"Most likely cause: {cs['kind']} {cs['name']} — {c['summary']} — at {c['at']}, by {_who(c['actor'])} [R{c['revision']}]. Why: {c['why']}."
        )
        if len(causes) > 1:
            others = "; ".join(
                f"{x['subject']['kind']} {x['subject']['name']}: {x['summary']} [R{x['revision']}]"
                for x in causes[1:3]
            )
            lines.append(f"Other candidates: {others}.")
        if history:
            revs = history.get("revisions") or []
            recent = [r for r in revs if r.get("id") != c["revision"]][-3:]
            if recent:
                lines.append(
                    f"Earlier changes of {cs['kind']} {cs['name']}: "
                    + "; ".join(f"{r['at']} {r['summary']} [R{r['id']}]" for r in recent)
                    + "."
                )
    else:
        lines.append(
            f"No recorded change explains it (nothing around {s['kind']} {s['name']} changed in the week before)."
        )
    for f in findings[1:4]:
        lines.append(f"Also: {f['title']} ({f['severity']}) [{f['id']}]")
    if top.get("remediation"):
        lines.append(f"What to do: {top['remediation']}.")
    lines.append(NOTE)
    return "\n".join(lines)
