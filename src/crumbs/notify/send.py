"""Deliveries: each destination's protocol, retried with backoff on 429 and 5xx (honouring
``Retry-After``), each outcome returned for the investigation's record — never lost silently."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from crumbs.notify.config import Destination
from crumbs.notify.message import Message, slack_blocks, teams_card, webhook_json
from crumbs.redaction import Redactor

ATTEMPTS = 4
BACKOFF = 0.5
"""Seconds before the second attempt; doubled each time (with Retry-After when it says more)."""
MAX_WAIT = 30.0
TIMEOUT = 10.0
GONE = (
    "message_not_found",
    "cant_update_message",
    "edit_window_closed",
    "channel_not_found",
    "is_archived",
)
"""Slack's words for a thread head that cannot be updated any more: the alert starts a new one."""
SIGNATURE = "X-Crumbs-Signature"
TIMESTAMP = "X-Crumbs-Timestamp"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    error: str = ""
    thread: str = ""
    """Slack: ``CHANNEL TS`` of the message that opened the alert's thread."""


class Retry(Exception):
    """A failure worth another attempt (429, 5xx, a timeout), after ``wait`` seconds if said."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def attempt(work: Callable[[], str], sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """``work`` until it returns (its thread) or fails for good; a ``Retry`` waits and tries again."""
    delay = BACKOFF
    for n in range(1, ATTEMPTS + 1):
        try:
            return Outcome(True, n, thread=work())
        except Retry as err:
            if n == ATTEMPTS:
                return Outcome(False, n, f"{err} (gave up after {n} attempts)")
            sleep(min(MAX_WAIT, max(delay, err.wait or 0.0)))
            delay *= 2
        except Exception as err:  # refused for good: a 4xx, a bad token
            return Outcome(False, n, str(err)[:500])
    return Outcome(False, ATTEMPTS, "no attempt")


def deliver(d: Destination, m: Message, thread: str, redactor: Redactor, sleep: Callable[[float], None] = time.sleep) -> Outcome:  # fmt: skip
    """One message to one destination; ``thread``: where the alert's earlier messages went."""
    if d.kind == "slack":
        return attempt(lambda: _slack(d, m, thread, redactor), sleep)
    if d.kind == "teams":
        return attempt(lambda: _post(d.url, redactor.tree(teams_card(m)), {}), sleep)
    return attempt(lambda: _webhook(d, redactor.tree(webhook_json(m))), sleep)


def _slack(d: Destination, m: Message, thread: str, redactor: Redactor) -> str:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=d.token, base_url=d.url, timeout=int(TIMEOUT))
    blocks, text = redactor.tree(slack_blocks(m)), redactor.string(m.text)
    try:
        if thread:
            channel, ts = thread.split(" ", 1)
            try:  # the thread's head shows the latest, the message goes in the thread
                client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
                client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks)
                return thread
            except SlackApiError as err:
                if err.response.get("error") not in GONE:
                    raise
        # a new thread: the alert's first message, or its thread's head was deleted
        r = client.chat_postMessage(channel=d.channel, text=text, blocks=blocks)
        return f"{r['channel']} {r['ts']}"
    except SlackApiError as err:
        status = err.response.status_code
        error = err.response.get("error") if isinstance(err.response.data, dict) else None
        if status == 429 or status >= 500 or error == "ratelimited":
            after = err.response.headers.get("Retry-After") or err.response.headers.get(
                "retry-after"
            )
            raise Retry(
                f"slack {status} {error or ''}".strip(), float(after) if after else None
            ) from None
        raise RuntimeError(f"slack refused: {error or status}") from None


def _webhook(d: Destination, body: object) -> str:
    raw = orjson.dumps(body)
    stamp = str(int(time.time()))
    mac = hmac.new(d.secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return _post(d.url, raw, {TIMESTAMP: stamp, SIGNATURE: f"sha256={mac}"})


def _post(url: str, body: object, headers: dict[str, str]) -> str:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    req = urllib.request.Request(
        url, raw, {"content-type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            r.read()
        return ""
    except urllib.error.HTTPError as err:
        text = err.read()[:200].decode("utf-8", "replace")
        if err.code == 429 or err.code >= 500:
            after = err.headers.get("Retry-After")
            raise Retry(
                f"HTTP {err.code}: {text}", float(after) if after and after.isdigit() else None
            ) from None
        raise RuntimeError(f"HTTP {err.code}: {text}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise Retry(f"{url.split('?')[0]}: {getattr(err, 'reason', err)}") from None
