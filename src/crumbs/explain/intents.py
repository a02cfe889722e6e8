"""What a question asks, without a model: the offline copilot's router.

A question is read deterministically into one intent and the tool arguments that answer it:

- ``changes``: what changed (a namespace, kinds, a window: "since 2h", "in the last 30
  minutes", "today", "yesterday", "on 2020-06-03", "between … and …") → ``timeline``;
- ``who``: who changed an object ("who edited deploy/billing", "who touched the billing
  deployment") → ``timeline`` of its kind over the whole record (each change with who made
  it), of which the answer keeps the object's;
- ``why``: why an object is failing → ``why``;
- ``node``: what the node agent saw (execs, connections, DNS) → ``activity``;
- ``uses``: what still runs an image ("what still uses billing:1.4.2") → ``get`` of the
  workloads that hold images (Pods, CronJobs, Deployments, StatefulSets, DaemonSets, Jobs),
  one after the other;
- ``copilot``: what the copilot did last time → ``traces``;
- ``broken``: is anything broken → ``scan``;
- ``unknown``: anything else → ``scan``, and the answer says how to ask.

Objects are named as the CLI names them (``deploy/billing``, ``deployment billing``, ``the
billing deployment``, ``cj/nightly``), kinds through :mod:`crumbs.kinds`. The words are matched
case-insensitively and tolerate the usual typos ("chnaged", "deploymnet").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crumbs import kinds

INTENTS = ("changes", "who", "why", "node", "uses", "copilot", "broken", "unknown")
_COPILOT = re.compile(
    r"\blast time\b|\bprevious(?:ly)? (?:question|investigation|answer|run)s?\b|\bwhat (?:did|have) you (?:do|done|find|found|answer|say|said|tell|told)\b|\b(?:copilot|assistant) (?:did|do|said|found|answered)\b|\bearlier (?:question|investigation|answer)s?\b|\byour last answer\b",
    re.IGNORECASE,
)
USES_KINDS = ("pods", "cronjobs", "deployments", "statefulsets", "daemonsets", "jobs")
_IMAGE = re.compile(
    r"\b((?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9][-a-z0-9._/]*:[A-Za-z0-9][-A-Za-z0-9._]*|[a-z0-9][-a-z0-9._/]*@sha256:[0-9a-f]{64})\b"
)
_USES = re.compile(
    r"\b(?:still )?(?:uses?|using|runs?|running|on)\b|\bwhich (?:pods|workloads)\b|\bwhere is\b",
    re.IGNORECASE,
)


@dataclass
class Route:
    intent: str
    tool: str
    args: dict[str, object] = field(default_factory=dict)
    target: str | None = None
    """``kind/name`` when the question names an object."""


_WORDS = {
    "who": r"\bwho(?:'?s| did| has| made| last)?\b|\bby whom\b|\bwhich (?:user|person|team|tool|controller)\b|\bblame\b|\bhistory\b",
    "why": r"\bwhy\b|\bwhat(?:'s| is) wrong\b|\bfail\w*|\bbroken\b|\bcrash\w*|\bnot (?:ready|working|starting|running)\b|\berror\w*|\bunhealthy\b|\bdown\b|\bpending\b|\bbackoff\b",
    "changes": r"\bchang\w*|\bchnag\w*|\bchagn\w*|\bmodif\w*|\bedit\w*|\bupdat\w*|\bdeploy(?:ed|ments? (?:happened|went out))\b|\brolled? out\b|\brollouts?\b|\bwhat happened\b|\bhappen\w*|\bdifferent\b|\btouch\w*|\bpatch\w*|\bnew\b",
    "node": r"\b(?:exec\w*|ran|running processes|process(?:es)?|connect\w*|dns|resolv\w*|lookups?|node agent|ebpf|syscalls?|talk\w*|dial\w*|network calls?)\b",
    "broken": r"\banything (?:broken|wrong|failing)\b|\bis (?:everything|the cluster|all) (?:ok|okay|fine|healthy|good)\b|\bany (?:problems?|issues?|errors?|incidents?)\b|\bhealth\w*\b|\bwhat(?:'s| is) broken\b|\bstatus of the cluster\b",
}
_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _WORDS.items()}

_TARGET = re.compile(r"\b([A-Za-z][A-Za-z0-9.]*)/([A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?)\b")
_NAME = r"([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)"
_NAMESPACE = re.compile(r"\b(?:in|of|from)\s+(?:the\s+)?(?:namespace\s+)?" + _NAME + r"(?:\s+namespace|\s+ns)\b"
                        r"|\b(?:namespace|ns)\s+" + _NAME + r"\b|(?:^|\s)-n\s+" + _NAME + r"\b"
                        r"|\bin\s+(?!the\b|last\b|past\b|namespace\b)([a-z0-9][-a-z0-9]*)(?=\s+(?:on|since|yesterday|today|between|during|at|over|in the|for the|this)\b|\s*[?.!]?$)",
                        re.IGNORECASE)  # fmt: skip
_DURATION = re.compile(r"\b(?:since|in the (?:last|past)|over the (?:last|past)|during the (?:last|past)|for the (?:last|past)|last|past)\s+(\d+|an?|one|two|three|few)?\s*(s|sec\w*|m|min\w*|h|hours?|hrs?|d|days?|w|weeks?)\b", re.IGNORECASE)  # fmt: skip
_COMPACT = re.compile(r"\bsince\s+(\d+(?:s|m|h|d|w))\b", re.IGNORECASE)
_DATE = r"(\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)?)"
_ON = re.compile(r"\b(?:on|at|during)\s+" + _DATE, re.IGNORECASE)
_BETWEEN = re.compile(
    r"\b(?:between|from)\s+" + _DATE + r"\s+(?:and|to|until)\s+" + _DATE, re.IGNORECASE
)
_SINCE_DATE = re.compile(r"\b(?:since|after)\s+" + _DATE, re.IGNORECASE)
_NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "few": 3}
_PODS = re.compile(r"\bpod\s+" + _NAME, re.IGNORECASE)
_TYPES = {"exec": re.compile(r"\bexec\w*|\bran\b|\bprocess", re.I), "connect": re.compile(r"\bconnect\w*|\btalk\w*|\bdial\w*|\bnetwork", re.I),
          "dns": re.compile(r"\bdns\b|\bresolv\w*|\blookups?\b", re.I)}  # fmt: skip
_STOP = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "my",
    "our",
    "its",
    "their",
    "any",
    "all",
    "what",
    "which",
    "who",
    "why",
}
_NOT_NAMES = {
    "in",
    "on",
    "at",
    "since",
    "is",
    "was",
    "were",
    "are",
    "has",
    "have",
    "had",
    "and",
    "or",
    "to",
    "for",
    "of",
    "did",
    "does",
    "do",
    "be",
    "been",
    "being",
    "changed",
    "change",
    "changes",
    "edited",
    "modified",
    "updated",
    "touched",
    "patched",
    "fail",
    "fails",
    "failing",
    "failed",
    "broken",
    "pending",
    "crashing",
    "down",
    "ready",
    "not",
    "running",
    "errors",
    "error",
    "who",
    "why",
    "what",
    "my",
    "with",
    "by",
    "from",
    "it",
    "there",
    "get",
    "got",
    "last",
    "past",
    "namespace",
    "ns",
}
"""Words next to a kind that are not the object's name ("which configmaps were modified")."""


def _kind_word(word: str) -> str | None:
    """A kind as a person types it (``deployment``, ``deploymnet``, ``cronjobs``), or None."""
    w = word.lower().strip(".,?!")
    if not w or w in _STOP:
        return None
    found = kinds.resolve(w)
    if found:
        return w
    for fixed in (w.replace("mnet", "ment"), w.rstrip("s"), w + "s"):
        if fixed != w and kinds.resolve(fixed):
            return fixed
    return None


def _target(question: str) -> str | None:
    """``kind/name`` named in the question: ``deploy/billing``, ``deployment billing``, ``the
    billing deployment``."""
    m = _TARGET.search(question)
    if m and _kind_word(m.group(1)):
        return f"{m.group(1).lower()}/{m.group(2).lower()}"
    words = re.findall(r"[A-Za-z0-9][-A-Za-z0-9.]*", question)
    for i, w in enumerate(words):
        kind = _kind_word(w)
        if kind is None:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i else ""
        if w.lower() in ("namespace", "ns", "namespaces"):
            continue  # "the shop namespace" is a namespace to look in, not an object
        if (
            after
            and after.lower() not in _STOP | _NOT_NAMES
            and not _kind_word(after)
            and re.fullmatch(_NAME, after)
        ):
            return f"{kind}/{after}"
        if before and before.lower() not in _STOP | _NOT_NAMES and re.fullmatch(_NAME, before):
            return f"{kind}/{before}"
    return None


def _window(question: str, now: datetime) -> dict[str, object]:
    """``since``, or ``start``/``end``, from the words of the question."""
    if m := _BETWEEN.search(question):
        return {"start": m.group(1), "end": m.group(2)}
    if m := _COMPACT.search(question):
        return {"since": m.group(1).lower()}
    if m := _DURATION.search(question):
        count = m.group(1) or "1"
        n = _NUMBER.get(count.lower()) if not count.isdigit() else int(count)
        return {"since": f"{n or 1}{m.group(2)[0].lower()}"}  # the unit's letter: s m h d w
    if m := _SINCE_DATE.search(question):
        return {"start": m.group(1)}
    if m := _ON.search(question):
        day = m.group(1)
        if len(day) == 10:
            start = datetime.fromisoformat(day).replace(tzinfo=UTC)
            return {"start": day, "end": (start + timedelta(days=1)).strftime("%Y-%m-%d")}
        return {"start": day}
    low = question.lower()
    if "yesterday" in low:
        day = (now - timedelta(days=1)).strftime("%Y-%m-%d")
        return {"start": day, "end": now.strftime("%Y-%m-%d")}
    if "today" in low:
        return {"start": now.strftime("%Y-%m-%d")}
    if "this week" in low:
        return {"since": "7d"}
    return {}


def _namespace(question: str) -> str | None:
    m = _NAMESPACE.search(question)
    if not m:
        return None
    return next(g for g in m.groups() if g)


_NOT_KINDS = {"node", "nodes", "event", "events", "namespace", "namespaces", "ns"}
"""Kind names that are also plain words in a question about changes ("in the shop namespace")."""


def _kinds(question: str, target: str | None) -> list[str]:
    """Kinds the question asks about as a set ("which configmaps changed"), not one object's."""
    if target:
        return []
    out = []
    for w in re.findall(r"[A-Za-z]+", question):
        k = _kind_word(w)
        if k and len(w) > 2 and k not in out and w.lower() not in _NOT_KINDS:
            out.append(k)
    return out


EVER = "36500d"
"""The whole record, as a ``since``."""


def _who(target: str, base: dict[str, object]) -> Route:
    """Who changed ``target``: its kind's changes over the whole record (the answer keeps the
    object's: the timeline has each change's actor, an object's history has not)."""
    return Route(
        "who", "timeline", {"kind": [target.split("/", 1)[0]], "since": EVER, **base}, target
    )


def route(question: str, now: datetime | None = None) -> Route:
    """The intent of ``question`` and the tool call that answers it."""
    now = now or datetime.now(UTC)
    q = question.strip()
    target = _target(q)
    namespace = _namespace(q)
    hits = {k: bool(r.search(q)) for k, r in _RE.items()}
    base: dict[str, object] = {"namespace": namespace} if namespace else {}
    if _COPILOT.search(q):
        return Route("copilot", "traces", {})
    image = _IMAGE.search(q)
    if image and _USES.search(q) and not _TARGET.search(q.replace(image.group(1), "")):
        return Route("uses", "get", {"target": USES_KINDS[0], **base}, image.group(1))
    if hits["who"] and target:
        return _who(target, base)
    window = _window(q, now)
    if hits["node"]:
        types = [t for t, r in _TYPES.items() if r.search(q)]
        pod = _PODS.search(q)
        args: dict[str, object] = {**base}
        if target and target.split("/")[0] in ("pod", "pods", "po"):
            args["pod"] = target.split("/", 1)[1]
        elif pod:
            args["pod"] = pod.group(1)
        if types:
            args["type"] = types
        if "since" in window:
            args["since"] = window["since"]
        return Route("node", "activity", args, target)
    if hits["why"] and target and not hits["changes"]:
        return Route("why", "why", {"target": target, **base}, target)
    if hits["changes"] or hits["who"] or window:
        if target and (hits["who"] or not window):
            return _who(target, base)
        args = {**window, **base}
        ks = _kinds(q, target)
        if ks:
            args["kind"] = ks
        if "since" not in args and "start" not in args:
            args["since"] = "24h"
        return Route("changes", "timeline", args, target)
    if hits["why"] and target:
        return Route("why", "why", {"target": target, **base}, target)
    if hits["broken"] or hits["why"]:
        return Route("broken", "scan", base)
    if target:
        return Route("why", "why", {"target": target, **base}, target)
    return Route("unknown", "scan", base)
