"""Notifications: Slack (the official ``slack-sdk``), Microsoft Teams (incoming webhooks with an
Adaptive Card) and signed JSON webhooks, routed by cluster, namespace, alert name and severity."""
