"""Secrets in container logs never reach the store: what is written to disk is checked, for
secrets logged the ways programs log them (key=value, URLs with credentials, bearer headers,
JSON fields, private keys), at random places in random lines."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.explain.test_redaction_property import forbidden, secret_values

FORMS = (
    "login failed for user=admin password={v}",
    "connecting to postgres://app:{v}@db.shop.svc:5432/orders",
    "GET /api/orders -H 'Authorization: Bearer {v}'",
    '{{"level":"error","msg":"auth refused","api_key":"{v}"}}',
    "export AWS_SECRET_ACCESS_KEY={v}",
    "token: {v}",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{v}\n-----END RSA PRIVATE KEY-----",
)
NOISE = st.text("abcdefghij klmnop:/=-_.", max_size=40)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.sampled_from(FORMS), secret_values, NOISE, NOISE), min_size=1, max_size=8)
)
def test_no_logged_secret_is_stored(
    cli, tmp_path_factory, planted: list[tuple[str, str, str, str]]
) -> None:
    tmp = tmp_path_factory.mktemp("logs")
    db = str(tmp / "crumbs.db")
    log = tmp / "app.log"
    lines = []
    for i, (form, value, before, after) in enumerate(planted):
        lines.append(f"2026-11-27T14:00:{i:02d}Z {before} {form.format(v=value)} {after}")
    log.write_text("\n".join(lines) + "\n")
    assert cli("ingest", str(log), "--pod", "shop/api-0", "-c", "api", db=db).code == 0
    con = sqlite3.connect(db)
    try:
        stored = "\n".join(
            zstandard.ZstdDecompressor().decompress(data).decode()
            for (data,) in con.execute("SELECT data FROM logs")
        )
        raw_db = Path(db).read_bytes() + (
            Path(db + "-wal").read_bytes() if Path(db + "-wal").exists() else b""
        )
    finally:
        con.close()
    assert stored.count("\n") + 1 >= len(lines)
    for _, value, _, _ in planted:
        for form in forbidden(value):
            assert form not in stored, (form, json.dumps(lines))
            assert form.encode() not in raw_db
