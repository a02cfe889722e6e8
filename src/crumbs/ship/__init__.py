"""Shipping a recorder's store to a central ``crumbs serve`` (``watch --to``, ``agent --to``)."""
