"""The ingest wire format: what a shipper sends reads back as the same records; anything else
is one line naming where."""

from __future__ import annotations

import json

import pytest

from crumbs.activity import NodeEvent
from crumbs.formats.wire import WireError, body_of, node_line, read_body, revision_line
from crumbs.model import ObjectKey, Origin, RevisionType, StoredRevision

OBJ = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "shop", "uid": "u1"},
}


def test_a_revision_and_a_node_event_read_back_as_sent() -> None:
    rev = StoredRevision(7, 1, ObjectKey("local", "apps", "Deployment", "shop", "api"), "u1", 1_795_788_312_031_415_926,
                         RevisionType.MODIFIED, OBJ, 1, None, Origin.RECONSTRUCTED)  # fmt: skip
    node = NodeEvent(
        at=1_795_788_312_000_000_001, type="exec", node="n1", args=["sh", "-c", "x"], pod="api-1"
    )
    got = list(read_body(body_of([revision_line(rev), node_line(node)]), "east"))
    r, n = got
    assert r.key == ObjectKey("east", "apps", "Deployment", "shop", "api")  # the token's cluster
    assert (r.at, r.type, r.origin, r.uid, r.doc) == (
        rev.at,
        RevisionType.MODIFIED,
        Origin.RECONSTRUCTED,
        "u1",
        OBJ,
    )
    assert n == node


@pytest.mark.parametrize(("line", "words"), [
    (b"{not json", "line 1: not JSON"),
    (b"[1, 2]", "line 1: not a JSON object"),
    (json.dumps({"type": "ADDED", "object": OBJ, "at": 1, "cluster": "west"}).encode(), "names a cluster"),
    (json.dumps({"type": "UPSERTED", "object": OBJ, "at": 1}).encode(), "not ADDED, MODIFIED or DELETED"),
    (json.dumps({"type": "ADDED", "object": OBJ, "at": "soon"}).encode(), "'at' is not an integer"),
    (json.dumps({"type": "ADDED", "object": OBJ, "at": 2**70}).encode(), "'at' is not an integer"),
    (json.dumps({"type": "ADDED", "object": {"kind": "X"}, "at": 1}).encode(), "no metadata"),
    (json.dumps({"record": "gossip"}).encode(), "unknown record 'gossip'"),
    (json.dumps({"record": "node", "event": {"at": 1, "type": "exec", "evil": 1}}).encode(), "not a node event"),
    (json.dumps({"record": "log", "namespace": "a", "pod": "b", "container": "c", "at": 1, "lines": [1]}).encode(), "not a list of strings"),
])  # fmt: skip
def test_bad_lines_are_one_line_errors(line: bytes, words: str) -> None:
    with pytest.raises(WireError) as err:
        list(read_body(b"\n" + line if words.startswith("line 1") is False else line, "east"))
    assert words in str(err.value) and "\n" not in str(err.value)
