"""Rollouts from ReplicaSets and ControllerRevisions, Argo CD history, Helm release steps, ownership and drift."""

from __future__ import annotations

import copy

import pytest

from crumbs.formats.reader import read_paths
from crumbs.model import HelmRelease, Note, ObjectKey, RevisionType, StoredRelease, StoredRevision
from crumbs.trail.drift import drift, unowned
from crumbs.trail.helm import steps
from crumbs.trail.ownership import declared_owner
from crumbs.trail.rollouts import application_history, controller_revisions, deployment_rollouts
from tests.conftest import deployment, need_corpus


def replica_set(dep: dict, revision: int, image: str, hash_: str, **ann: str) -> dict:
    tpl = copy.deepcopy(dep["spec"]["template"])
    tpl["spec"]["containers"][0]["image"] = image
    tpl["metadata"]["labels"]["pod-template-hash"] = hash_
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"billing-{hash_}", "namespace": "shop", "creationTimestamp": f"2026-11-2{revision}T10:00:00Z",
                     "annotations": {"deployment.kubernetes.io/revision": str(revision), **ann},
                     "ownerReferences": [{"kind": "Deployment", "name": "billing", "uid": dep["metadata"]["uid"], "controller": True}]},
        "spec": {"replicas": 0, "template": tpl}, "status": {"readyReplicas": 0},
    }  # fmt: skip


def test_deployment_revisions_from_replica_sets() -> None:
    dep = deployment(image="ghcr.io/acme/billing:1.5.0")
    older = replica_set(
        dep,
        2,
        "ghcr.io/acme/billing:1.4.2",
        "bbb",
        **{"kubernetes.io/change-cause": "kubectl set image deploy/billing billing=1.4.2"},
    )
    restarted = replica_set(
        dep,
        3,
        "ghcr.io/acme/billing:1.5.0",
        "ccc",
        **{"deployment.kubernetes.io/revision-history": "1"},
    )
    restarted["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-23T10:00:00Z"
    }
    dep["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-23T10:00:00Z"
    }
    others = [
        older,
        restarted,
        {
            **replica_set(dep, 9, "x", "zzz"),
            "metadata": {
                "name": "stranger",
                "annotations": {"deployment.kubernetes.io/revision": "9"},
            },
        },
    ]
    result = deployment_rollouts(dep, [(rs, False) for rs in others])
    assert [(r.revision, r.name, r.current) for r in result] == [
        (2, "billing-bbb", False),
        (3, "billing-ccc", True),
    ]
    assert result[0].change_cause.startswith("kubectl set image")
    assert result[1].also == [1] and result[1].restarted_at == "2026-11-23T10:00:00Z"
    assert (
        "image ghcr.io/acme/billing:1.4.2 → 1.5.0" in result[1].summary
        and "rollout restart" in result[1].summary
    )


def test_statefulset_revisions_from_controller_revisions() -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "uid": "s1"},
        "status": {"currentRevision": "db-2", "updateRevision": "db-2"},
    }

    def cr(n: int, image: str) -> dict:
        return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": n,
                "metadata": {"name": f"db-{n}", "ownerReferences": [{"uid": "s1", "controller": True}]},
                "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}}}}}  # fmt: skip

    result = controller_revisions(
        sts, [(cr(2, "postgres:16"), False), (cr(1, "postgres:15"), True)]
    )
    assert [(r.revision, r.current, r.deleted) for r in result] == [
        (1, False, True),
        (2, True, False),
    ]
    assert result[1].summary == "image postgres:15 → 16"


@pytest.mark.corpus
def test_argo_cd_history_from_the_corpus() -> None:
    (app,) = [
        r
        for r in read_paths(
            [str(need_corpus() / "gitops-engine" / "health" / "application-healthy.yaml")]
        )
        if hasattr(r, "doc")
    ] or [None]
    if app is None:  # the corpus file lacks metadata: read it raw
        import yaml

        app_doc = yaml.safe_load(
            (need_corpus() / "gitops-engine" / "health" / "application-healthy.yaml").read_text()
        )
    else:
        app_doc = app.doc
    synthetic = {**app_doc, "status": {**app_doc.get("status", {}), "history": [
        {"id": 1, "revision": "a" * 40, "deployedAt": "2026-11-20T09:00:00Z", "source": {"repoURL": "https://git.example/shop", "path": "billing", "targetRevision": "main"}},
        {"id": 2, "revision": "b" * 40, "deployedAt": "2026-11-27T09:00:00Z", "source": {"repoURL": "https://git.example/shop", "path": "billing", "targetRevision": "main"}, "initiatedBy": {"automated": True}},
    ]}}  # fmt: skip
    result = application_history(synthetic)
    assert [(r.revision, r.current) for r in result] == [(1, False), (2, True)]
    assert (
        result[1].summary == f"revision {'a' * 12} → {'b' * 12}"
        and result[1].change_cause == "automated sync"
    )


def release(
    rev: int, values: dict, chart_version: str = "1.4.2", manifest: list | None = None
) -> StoredRelease:
    payload = {
        "values": values,
        "defaults": {},
        "manifest": manifest or [{"kind": "Deployment", "metadata": {"name": "billing"}}],
    }
    return StoredRelease(
        rev,
        "c",
        "shop",
        "billing",
        rev,
        "deployed",
        "billing",
        chart_version,
        chart_version,
        rev,
        None,
        "",
        "",
        payload,
    )


def test_helm_steps_diff_values_chart_and_resources() -> None:
    result = steps([release(2, {"image": {"tag": "1.5.0"}, "replicaCount": 3}, "1.5.0", [{"kind": "Deployment", "metadata": {"name": "billing"}}, {"kind": "CronJob", "metadata": {"name": "invoices"}}]),
                    release(1, {"image": {"tag": "1.4.2"}})])  # fmt: skip
    assert result[0].summary == "installed billing-1.4.2 (app 1.4.2)"
    assert (
        result[1].summary
        == "chart billing-1.4.2 → billing-1.5.0; app 1.4.2 → 1.5.0; values +replicaCount=3; values image.tag 1.4.2 → 1.5.0; +1 more"
    )
    assert {"op": "replace", "path": "/image/tag", "value": "1.5.0"} in result[1].patch


@pytest.mark.corpus
def test_helm_release_secrets_of_the_corpus_decode() -> None:
    records = list(read_paths([str(need_corpus() / "pluto" / "helm3")]))
    releases = sorted(
        (r.namespace, r.name, r.revision, r.chart, r.chart_version, r.app_version, r.status)
        for r in records
        if isinstance(r, HelmRelease)
    )
    assert releases == [
        ("default", "test", 2, "helm3chart", "0.1.0", "1.16.0", "deployed"),
        ("demo2", "demo2", 1, "basic-demo", "0.3.3", "1.0", "deployed"),
        ("demo2", "test", 1, "helm3chart", "0.1.0", "1.16.0", "deployed"),
    ]
    demo2 = next(r for r in records if isinstance(r, HelmRelease) and r.name == "demo2")
    assert {d["kind"] for d in demo2.manifest} >= {"Deployment", "PodDisruptionBudget"}
    assert demo2.defaults and demo2.values == {}
    notes = [str(n) for n in records if isinstance(n, Note)]
    assert any("says namespace demo2 but is stored in default" in n for n in notes)


def test_undecodable_helm_secrets_are_a_note_and_the_secret_is_still_read() -> None:
    import orjson

    bad = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {"name": "sh.helm.release.v1.x.v1", "namespace": "n"},
        "data": {"release": "bm90IGd6aXA="},
    }
    records = list(read_paths(["-"], stdin=__import__("io").BytesIO(orjson.dumps(bad))))
    assert [type(r).__name__ for r in records] == ["Revision", "Note"]
    assert "not decodable" in records[1].message


def stored(doc: dict) -> StoredRevision:
    key = ObjectKey(
        "c",
        doc["apiVersion"].rpartition("/")[0],
        doc["kind"],
        doc["metadata"].get("namespace", ""),
        doc["metadata"]["name"],
    )
    return StoredRevision(1, 1, key, doc["metadata"].get("uid", ""), 0, RevisionType.MODIFIED, doc)


@pytest.mark.corpus
def test_the_gitops_engine_manual_apply_is_drift() -> None:
    (rev,) = [
        r
        for r in read_paths(
            [
                str(
                    need_corpus()
                    / "gitops-engine"
                    / "diff"
                    / "ssd-deploy-with-manual-apply-live.yaml"
                )
            ]
        )
    ]
    owner = declared_owner(rev.doc)
    assert owner is not None and (owner.channel, owner.kind, owner.name) == (
        "gitops",
        "Argo CD application",
        "manual-apply-app",
    )
    found = drift(stored(rev.doc))
    assert found is not None
    (field,) = found.fields
    assert (
        field.path == "spec.template.spec.containers[idle]"
        and field.value["image"] == "spurin/idle:latest"
    )
    assert field.manager.manager == "kubectl-client-side-apply"


def test_ownership_evidence() -> None:
    def with_meta(**md: object) -> dict:
        d = deployment()
        d["metadata"].update(md)
        return d

    assert (
        declared_owner(
            with_meta(
                labels={
                    "kustomize.toolkit.fluxcd.io/name": "apps",
                    "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
                }
            )
        ).kind
        == "Flux Kustomization"
    )
    assert (
        declared_owner(with_meta(annotations={"meta.helm.sh/release-name": "billing"})).kind
        == "Helm release"
    )
    assert (
        declared_owner(
            with_meta(
                annotations={"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/billing"}
            )
        ).name
        == "shop"
    )
    assert (
        declared_owner(
            with_meta(ownerReferences=[{"kind": "ReplicaSet", "name": "rs", "controller": True}])
        ).channel
        == "controller"
    )
    assert (
        declared_owner(with_meta(labels={"app.kubernetes.io/instance": "x"})) is None
    )  # not enough on its own
    made_by_hand = with_meta(
        managedFields=[{"manager": "kubectl-create", "operation": "Update", "fieldsV1": {}}]
    )
    assert [
        r.key.name
        for r in unowned(
            [
                stored(made_by_hand),
                stored(with_meta(annotations={"meta.helm.sh/release-name": "b"})),
            ]
        )
    ] == ["billing"]
