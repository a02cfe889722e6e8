"""What a notification says, from the investigation's JSON (already redacted as it was read):
the alert, the one line "what changed, who, when, how sure", the top causes, a link; as Slack
blocks, a Teams Adaptive Card, or the generic webhook's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crumbs import contract

MOST_CAUSES = 3
MAX_TEXT = 2900
"""Characters of one Slack section (its limit is 3000)."""


@dataclass(frozen=True)
class Message:
    title: str
    status: str
    headline: str
    causes: list[str]
    link: str
    investigation: contract.Investigation

    @property
    def text(self) -> str:
        """The plain text (Slack's notification text, a fallback for every client)."""
        return f"{self.title}: {self.headline}"


def build(inv: contract.Investigation, link_base: str = "") -> Message:
    a = inv["alert"]
    where = f"{inv['subject']['kind']} {inv['subject']['namespace'] + '/' if inv['subject']['namespace'] else ''}{inv['subject']['name']}" if inv["subject"] else (inv["namespace"] or "the cluster")  # fmt: skip
    resolved = a["status"] == "resolved"
    title = f"{'Resolved' if resolved else 'Firing'}: {a['name']} ({a['severity'] or 'no severity'}) on {where}"
    causes: list[str] = []
    for f in inv["findings"]:
        for c in f["causes"][:MOST_CAUSES]:
            if len(causes) < MOST_CAUSES:
                causes.append(f"{c['rank']}. {c['subject']['kind']} {c['subject']['name']}: {c['summary']} "
                              f"— {c['actor']['manager'] or '?'} ({c['actor']['channel']}), {c['at']}, score {c['score']:.2f}")  # fmt: skip
    link = f"{link_base}/investigations/{inv['id']}" if link_base and inv["id"] is not None else ""
    return Message(title, a["status"], inv["headline"], causes, link, inv)


def slack_blocks(m: Message) -> list[dict[str, Any]]:
    """Block Kit: a header, the headline, the causes, the link (plain text: nothing from the
    cluster is read as markup — Slack's mrkdwn is not used for it)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": m.title[:150]}},
        {"type": "section", "text": {"type": "plain_text", "text": m.headline[:MAX_TEXT]}},
    ]
    if m.causes:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "plain_text", "text": "\n".join(m.causes)[:MAX_TEXT]},
            }
        )
    if m.link:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open the investigation"}, "url": m.link}]})  # fmt: skip
    return blocks


def teams_card(m: Message) -> dict[str, Any]:
    """An incoming webhook's message with one Adaptive Card (schema 1.4)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": m.headline, "wrap": True},
    ]
    body += [{"type": "TextBlock", "text": c, "wrap": True, "isSubtle": True} for c in m.causes]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body}  # fmt: skip
    if m.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the investigation", "url": m.link}
        ]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}  # fmt: skip


def webhook_json(m: Message) -> dict[str, Any]:
    """The generic webhook's body: a schema name, the summary, and the whole investigation."""
    return {"schema": "crumbs.investigation/v1", "title": m.title, "status": m.status, "headline": m.headline,
            "causes": m.causes, "link": m.link, "investigation": m.investigation}  # fmt: skip
