"""Attribution from managedFields: certain, several, uncertain, unknown; and invariants."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crumbs.model import CHANNELS, RevisionType
from crumbs.trail.attribution import attribute
from crumbs.trail.managers import actor
from tests.conftest import deployment

MOD = RevisionType.MODIFIED
IMAGE = {
    "f:spec": {
        "f:template": {"f:spec": {"f:containers": {'k:{"name":"billing"}': {"f:image": {}}}}}
    }
}
REPLICAS = {"f:spec": {"f:replicas": {}}}
STATUS = {"f:status": {"f:readyReplicas": {}}}


def entry(manager: str, time: str, fields: dict, op: str = "Update", sub: str = "") -> dict:
    e = {
        "manager": manager,
        "operation": op,
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    if sub:
        e["subresource"] = sub
    return e


def obj(*entries: dict, **changes: Any) -> dict:
    o = deployment(**changes)
    o["metadata"]["managedFields"] = list(entries)
    return o


T1, T2 = "2026-11-20T09:00:00Z", "2026-11-27T14:05:12Z"


def test_one_writer_who_owns_what_changed_is_certain() -> None:
    before = obj(entry("helm", T1, {**IMAGE, **REPLICAS}))
    after = obj(
        entry("helm", T1, REPLICAS),
        entry("kubectl-patch", T2, IMAGE),
        image="ghcr.io/acme/billing:2.0.0",
    )
    att = attribute(before, after, MOD)
    assert att.certain and att.basis == "managedFields"
    assert att.actor is not None and (att.actor.manager, att.actor.channel, att.actor.tool) == (
        "kubectl-patch",
        "human",
        "kubectl patch",
    )


def test_writers_of_different_fields_are_each_named() -> None:
    before = obj(
        entry("helm", T1, IMAGE), entry("kube-controller-manager", T1, STATUS, sub="status")
    )
    after = obj(
        entry("helm", T2, IMAGE),
        entry("kube-controller-manager", T2, STATUS, sub="status"),
        image="x:2",
    )
    after["status"] = {"readyReplicas": 1}
    att = attribute(before, after, MOD)
    assert att.certain and [a.manager for a in att.actors] == [
        "helm",
        "kube-controller-manager",
    ]  # spec first
    assert att.note == "several writers: helm and kube-controller-manager"


def test_shared_ownership_of_the_changed_field_is_uncertain() -> None:
    before = obj(entry("helm", T1, REPLICAS), entry("kubectl", T1, REPLICAS, op="Apply"))
    after = obj(entry("helm", T2, REPLICAS), entry("kubectl", T2, REPLICAS, op="Apply"), replicas=5)
    att = attribute(before, after, MOD)
    assert not att.certain and att.note in (
        "uncertain: helm or kubectl",
        "uncertain: kubectl or helm",
    )
    assert {a.tool for a in att.actors} == {"Helm", "kubectl apply --server-side"}


def test_a_writer_who_moved_without_owning_the_change_is_not_taken_for_certain() -> None:
    before = obj(entry("helm", T1, REPLICAS))
    after = obj(
        entry("helm", T1, REPLICAS),
        entry("kubectl-label", T2, {"f:metadata": {"f:labels": {"f:x": {}}}}),
        replicas=7,
    )
    att = attribute(before, after, MOD)
    assert not att.certain and att.note.startswith("uncertain: kubectl-label")


def test_noise_is_no_evidence() -> None:
    before = obj(
        entry(
            "kube-controller-manager", T1, {"f:status": {"f:observedGeneration": {}}}, sub="status"
        )
    )
    after = copy.deepcopy(before)
    after["metadata"]["managedFields"][0]["time"] = T2
    after["status"] = {"observedGeneration": 9}
    att = attribute(before, after, MOD)
    assert not att.certain and "none owns what changed" in att.note


def test_creation_deletion_and_missing_managed_fields() -> None:
    created = obj(
        entry("helm", "2026-11-20T09:00:00Z", IMAGE),
        entry("kube-controller-manager", "2026-11-20T09:00:30Z", STATUS, sub="status"),
    )
    created["metadata"]["creationTimestamp"] = "2026-11-20T09:00:00Z"
    att = attribute(None, created, RevisionType.ADDED)
    assert att.basis == "creation" and att.actor is not None and att.actor.manager == "helm"
    assert attribute(created, created, RevisionType.DELETED).note.startswith(
        "attribution unknown: deletions"
    )
    bare = deployment()
    assert (
        attribute(bare, deployment(replicas=4), MOD).note == "attribution unknown: no managedFields"
    )


@pytest.mark.parametrize(
    ("manager", "op", "sub", "channel", "tool"),
    [
        ("kubectl-client-side-apply", "Update", "", "human", "kubectl apply"),
        ("kubectl", "Apply", "", "human", "kubectl apply --server-side"),
        ("kubectl", "Update", "scale", "human", "kubectl scale"),
        ("kubectl-rollout", "Update", "", "human", "kubectl rollout"),
        ("kubectl-expose", "Update", "", "human", "kubectl"),
        ("Helm", "Update", "", "helm", "Helm"),
        ("argocd-controller", "Update", "", "gitops", "Argo CD"),
        ("kustomize-controller", "Apply", "", "gitops", "Flux kustomize-controller"),
        ("helm-controller", "Apply", "", "gitops", "Flux helm-controller"),
        ("endpointslice-controller.k8s.io", "Update", "", "controller", "a Kubernetes controller"),
        ("kubelet", "Update", "status", "controller", "kubelet"),
        (
            "cert-manager-certificates-issuing",
            "Update",
            "",
            "unknown",
            "cert-manager-certificates-issuing",
        ),
        ("prometheus-operator", "Update", "", "operator", "an operator"),
        (
            "before-first-apply",
            "Update",
            "",
            "unknown",
            "fields set before the first server-side apply (writer not recorded)",
        ),
        (
            "ancient-changes",
            "Update",
            "",
            "unknown",
            "older updates the API server merged into one entry",
        ),
        ("Terraform", "Update", "", "iac", "Terraform"),
    ],
)
def test_the_manager_table(manager: str, op: str, sub: str, channel: str, tool: str) -> None:
    a = actor(manager, op, sub)
    assert (a.channel, a.tool) == (channel, tool)
    assert a.channel in CHANNELS


# --- invariants ------------------------------------------------------------------

_junk = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=6)),
    lambda x: st.one_of(
        st.lists(x, max_size=3), st.dictionaries(st.text(max_size=6), x, max_size=3)
    ),
    max_leaves=8,
)
_names = st.sampled_from(
    ["helm", "kubectl-patch", "kubectl", "argocd-controller", "kube-controller-manager", "x"]
)
_times = st.sampled_from([T1, T2, "2026-12-01T00:00:00Z", None, "garbage", 7])
_fields = st.sampled_from([IMAGE, REPLICAS, STATUS, {}, {"k:{bad": {}}, {"f:spec": []}, None, "x"])


@st.composite
def managed(draw: st.DrawFn) -> list[Any]:
    entries: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 5)) == 0:
            entries.append(draw(_junk))
        else:
            entries.append(
                {
                    "manager": draw(_names),
                    "operation": draw(st.sampled_from(["Update", "Apply"])),
                    "time": draw(_times),
                    "fieldsV1": draw(_fields),
                }
            )
    return entries


@settings(max_examples=400, deadline=None)
@given(
    managed(), managed(), st.integers(1, 5), st.integers(1, 5), st.sampled_from(list(RevisionType))
)
def test_attribution_never_crashes_and_keeps_its_promises(
    before_mf: list, after_mf: list, r1: int, r2: int, rtype: RevisionType
) -> None:
    before, after = deployment(replicas=r1), deployment(replicas=r2)
    before["metadata"]["managedFields"], after["metadata"]["managedFields"] = before_mf, after_mf
    att = attribute(before, after, rtype)
    assert att.basis in ("managedFields", "creation", "none", "audit")
    if att.certain:
        assert att.actors  # a certain attribution names someone
    if not att.actors:
        assert att.note.startswith("attribution unknown")
    if att.basis == "managedFields":
        named = {a.manager for a in att.actors}
        assert named <= {
            e["manager"]
            for e in after_mf
            if isinstance(e, dict) and isinstance(e.get("manager"), str)
        }


@settings(max_examples=200, deadline=None)
@given(managed(), st.integers(1, 5))
def test_a_revision_against_itself_has_nobody_to_blame(mf: list, replicas: int) -> None:
    doc = deployment(replicas=replicas)
    doc["metadata"]["managedFields"] = mf
    att = attribute(doc, copy.deepcopy(doc), MOD)
    assert not att.certain


def test_broken_managed_fields_are_named_in_the_note() -> None:
    before = obj(entry("helm", T1, REPLICAS))
    after = obj(
        entry("helm", T1, REPLICAS),
        entry("kubectl-patch", T2, IMAGE),
        {"manager": "weird", "operation": "Update", "fieldsV1": {"q:?": {}}},
        image="x:2",
    )
    att = attribute(before, after, MOD)
    assert att.certain and att.actor is not None and att.actor.manager == "kubectl-patch"
    assert att.note == "attribution unknown for weird: broken managedFields"
