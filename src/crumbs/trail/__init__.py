"""Provenance: pure functions over revisions (what changed, who, through which channel)."""
