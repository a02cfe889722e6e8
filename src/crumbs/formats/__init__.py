"""Readers of standard formats into revisions and events. Pure: bytes in, records out."""
