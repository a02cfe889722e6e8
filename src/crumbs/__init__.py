"""Crumbs: a Kubernetes incident copilot with an embedded, queryable trail of every change."""

__version__ = "0.1.0"
