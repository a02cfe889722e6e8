"""Rendering: terminal text (Rich), JSON (the documented contract) and Markdown."""
