"""blame: kubectl-blame's goldens, shared ownership, broken managedFields, and `since`."""

from __future__ import annotations

import copy

import pytest
import yaml

from crumbs.formats.documents import _Loader
from crumbs.model import ObjectKey, RevisionType, StoredRevision
from crumbs.trail.blame import blame, kubectl_blame_text
from tests.conftest import deployment, need_corpus

GOLDENS = ["deploy.yaml", "deploy.json", "list.yaml", "multi-manager-list-item.yaml"]


def objects_in(path) -> list[dict]:
    docs = [d for d in yaml.load_all(path.read_text(), Loader=_Loader) if d]
    out = []
    for d in docs:
        out.extend(d["items"] if d.get("kind") == "List" else [d])
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("name", GOLDENS)
def test_kubectl_blame_goldens(name: str) -> None:
    """Every line: the same manager and operation as kubectl-blame (and the same YAML text)."""
    folder = need_corpus() / "kubectl-blame"
    ours: list[str] = []
    owners: list[tuple[str, str] | None] = []
    for i, obj in enumerate(objects_in(folder / name)):
        if i:
            ours.append("---")
            owners.append(None)
        result = blame(obj)
        ours.extend(kubectl_blame_text(result))
        owners.extend(
            (ln.owner.manager, ln.owner.operation) if ln.owner else None for ln in result.lines
        )
    golden = (folder / f"{name}.txt").read_text().rstrip("\n").split("\n")
    assert len(ours) == len(golden)
    for n, (mine, theirs, owner) in enumerate(zip(ours, golden, owners, strict=True), 1):
        assert mine == theirs, f"line {n}"
        words = theirs.split()
        if owner is not None and theirs.startswith(owner[0]):
            assert words[:2] == list(owner), f"line {n}"


def test_shared_ownership_names_the_latest_writer() -> None:
    obj = deployment()
    fields = {"f:spec": {"f:replicas": {}}}
    obj["metadata"]["managedFields"] = [
        {
            "manager": "helm",
            "operation": "Update",
            "time": "2026-11-20T09:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        },
        {
            "manager": "kubectl",
            "operation": "Apply",
            "time": "2026-11-27T14:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        },
    ]
    line = next(ln for ln in blame(obj).lines if ln.text.strip().startswith("replicas:"))
    assert [o.manager for o in line.owners] == ["helm", "kubectl"]
    assert line.owner is not None and line.owner.manager == "kubectl"


def test_broken_managed_fields_are_noted_not_fatal() -> None:
    obj = deployment()
    obj["metadata"]["managedFields"] = [
        {"manager": "weird", "operation": "Update", "fieldsV1": {"x:nonsense": {}}},
        {"manager": "worse", "operation": "Update", "fieldsV1": {"k:{not json": {}}},
        "not an entry",
        {"manager": "helm", "operation": "Update", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    ]
    result = blame(obj)
    assert len(result.problems) == 2 and "unknown path element" in result.problems[0]
    line = next(ln for ln in result.lines if ln.text.strip().startswith("replicas:"))
    assert line.owner is not None and line.owner.manager == "helm"


def test_since_names_the_revision_a_value_first_appeared() -> None:
    def rev(n: int, doc: dict) -> StoredRevision:
        return StoredRevision(
            n * 10,
            1,
            ObjectKey("c", "apps", "Deployment", "shop", "billing"),
            "u-1",
            n,
            RevisionType.MODIFIED,
            doc,
            n,
        )

    v1 = deployment()
    v2 = copy.deepcopy(v1)
    v2["spec"]["replicas"] = 5
    v3 = copy.deepcopy(v2)
    v3["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/acme/billing:2.0.0"
    history = [rev(1, v1), rev(2, v2), rev(3, v3)]
    lines = {ln.text.strip(): ln for ln in blame(v3, history).lines}
    assert lines["replicas: 5"].since.ordinal == 2
    assert lines["- image: ghcr.io/acme/billing:2.0.0"].since.ordinal == 3
    assert lines["name: billing"].since.ordinal == 1
    assert lines["kind: Deployment"].since.ordinal == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ("2021-11-12T11:13:20Z", '"2021-11-12T11:13:20Z"'),
        ("1", '"1"'),
        ("true", '"true"'),
        ("yes", '"yes"'),
        ("25%", "25%"),
        ("*", "'*'"),
        ("", '""'),
        ("a: b", "'a: b'"),
        ("0755", '"0755"'),
        ("1:30", '"1:30"'),
        (" x", "' x'"),
    ],
)
def test_strings_are_quoted_as_kubectl_quotes_them(value: str, text: str) -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": value}}
    line = next(ln for ln in blame(obj).lines if ln.text.strip().startswith("k:"))
    assert line.text.strip() == f"k: {text}"
