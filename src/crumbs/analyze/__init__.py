"""Analyzers: what is broken in a cluster as of a time, and which changes most likely caused it.

Analyzers see a read-only :class:`~crumbs.analyze.view.ClusterView`; they never
import the store or talk to a cluster.
"""
