"""Noise-free RFC 6902 diffs and the one-line summaries people read at 3 a.m."""

from __future__ import annotations

import copy

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from crumbs.model import ObjectKey, RevisionType, StoredRevision
from crumbs.trail.diff import apply, change, diff
from crumbs.trail.noise import strip_noise
from tests.conftest import deployment


def stored(doc: dict, rtype: RevisionType = RevisionType.MODIFIED) -> StoredRevision:
    return StoredRevision(
        1, 1, ObjectKey("c", "apps", doc.get("kind", "X"), "ns", "n"), "u", 0, rtype, doc
    )


def summary(old: dict | None, new: dict, rtype: RevisionType = RevisionType.MODIFIED) -> str:
    return change(stored(new, rtype), stored(old) if old is not None else None).summary


def test_noise_is_not_a_change() -> None:
    a = deployment()
    a["metadata"]["managedFields"] = [{"manager": "helm", "time": "2026-01-01T00:00:00Z"}]
    a["status"] = {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Ready", "status": "True", "lastHeartbeatTime": "t1", "lastProbeTime": None}
        ],
    }
    b = copy.deepcopy(a)
    b["metadata"].update(resourceVersion="99", generation=7)
    b["metadata"]["managedFields"][0]["time"] = "2026-02-02T00:00:00Z"
    b["status"]["observedGeneration"] = 7
    b["status"]["conditions"][0]["lastHeartbeatTime"] = "t2"
    assert diff(a, b) == []
    assert summary(a, b).startswith("no change")
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "l"},
        "spec": {"holderIdentity": "a", "renewTime": "t1"},
    }
    assert diff(lease, {**lease, "spec": {"holderIdentity": "a", "renewTime": "t2"}}) == []


def test_image_replicas_env_restart() -> None:
    a = deployment()
    a["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DB_PORT", "value": "5432"},
        {"name": "OLD", "value": "1"},
    ]
    b = copy.deepcopy(a)
    b["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/acme/billing:2.0.0"
    assert summary(a, b) == "image ghcr.io/acme/billing:1.4.2 → 2.0.0"
    c = copy.deepcopy(b)
    c["spec"]["replicas"] = 0
    c["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DB_PORT", "value": "5433"},
        {"name": "NEW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    ]
    c["spec"]["template"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-11-27T14:00:00Z"
    }
    s = summary(b, c)
    assert "replicas 2 → 0" in s and "env DB_PORT 5432 → 5433" in s and "rollout restart" in s
    ch = change(stored(c), stored(b))
    assert "spec.template.spec.containers[billing].env[DB_PORT].value" in ch.paths
    assert "spec.replicas" in ch.paths


def test_image_moved_to_another_repository_or_digest() -> None:
    a, b = (
        deployment(image="nginx:1.25"),
        deployment(image="ghcr.io/acme/nginx@sha256:" + "ab" * 32),
    )
    assert summary(a, b) == "image nginx:1.25 → ghcr.io/acme/nginx@sha256:abababababab"


def test_service_selector_and_ports() -> None:
    a = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "checkout"},
        "spec": {"selector": {"app": "checkout"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    b = copy.deepcopy(a)
    b["spec"]["selector"] = {"app": "checkout-api"}
    b["spec"]["ports"][0]["targetPort"] = 9090
    assert (
        summary(a, b)
        == "selector app=checkout → app=checkout-api; spec.ports[0].targetPort 8080 → 9090"
    )


def test_configmap_data_keys() -> None:
    a = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"DB_PORT": "5432", "GONE": "1"},
    }
    b = {**a, "data": {"DB_PORT": "5433", "NEW": "1"}}
    assert summary(a, b) == "data.GONE removed; data.NEW added; data.DB_PORT changed"


def test_labels_annotations_suspend_schedule() -> None:
    a = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c", "labels": {"team": "a"}},
        "spec": {"schedule": "*/5 * * * *", "suspend": False},
    }
    b = copy.deepcopy(a)
    b["metadata"]["labels"] = {"team": "b", "owner": "x"}
    b["metadata"]["annotations"] = {"kubernetes.io/change-cause": "kubectl set image"}
    b["spec"].update(schedule="0 * * * *", suspend=True)
    s = summary(a, b)
    assert "schedule */5 * * * * → 0 * * * *" in s and "suspended" in s
    assert (
        change(stored(b), stored(a)).summary.count(";") == 4
    )  # 5 facts, one folded into "+1 more"
    assert "+1 more" in s


def test_status_pods_and_endpoints() -> None:
    running = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app", "image": "x"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [{"name": "app", "restartCount": 0, "state": {"running": {}}}],
        },
    }
    crashed = copy.deepcopy(running)
    crashed["status"]["containerStatuses"][0] = {
        "name": "app",
        "restartCount": 1,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
    }
    s = summary(running, crashed)
    assert "app restarts 0 → 1" in s and "app waiting: CrashLoopBackOff" in s
    failed = copy.deepcopy(running)
    failed["status"] = {
        "phase": "Failed",
        "containerStatuses": [
            {
                "name": "app",
                "state": {
                    "terminated": {"reason": "Error", "exitCode": 1, "message": "schema 7 > 5"}
                },
            }
        ],
    }
    assert (
        summary(running, failed)
        == "phase Running → Failed; app terminated: Error (exit 1): schema 7 > 5"
    )
    ready = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "s"},
        "endpoints": [
            {"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
            {"addresses": ["10.0.0.2"], "conditions": {"ready": True}},
        ],
    }
    assert (
        summary(ready, {**ready, "endpoints": []}) == "ready endpoints 2 → 0 (-10.0.0.1, -10.0.0.2)"
    )


def test_created_and_deleted() -> None:
    assert summary(None, deployment(), RevisionType.ADDED) == "created (ghcr.io/acme/billing:1.4.2)"
    assert summary(deployment(), deployment(), RevisionType.DELETED) == "deleted"
    assert (
        summary(
            None,
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
            RevisionType.ADDED,
        )
        == "created"
    )


# --- properties -----------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
_keys = st.sampled_from(["a", "b", "name", "image", "x/y", "~t", "replicas", "data", ""])
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)
_noise = st.fixed_dictionaries(
    {
        "resourceVersion": st.text(max_size=4),
        "generation": st.integers(0, 9),
        "managedFields": st.lists(st.dictionaries(_keys, _scalars, max_size=2), max_size=2),
    }
)


@st.composite
def k8s_objects(draw: st.DrawFn) -> dict:
    md = {"name": draw(st.text(min_size=1, max_size=6)), **draw(_noise)}
    if draw(st.booleans()):
        md["labels"] = draw(st.dictionaries(_keys, st.text(max_size=4), max_size=3))
    obj = {
        "apiVersion": "v1",
        "kind": draw(st.sampled_from(["ConfigMap", "Pod", "Lease", "Thing"])),
        "metadata": md,
    }
    obj["spec"] = draw(st.dictionaries(_keys, _values, max_size=4))
    if draw(st.booleans()):
        obj["status"] = {
            "observedGeneration": draw(st.integers(0, 5)),
            "conditions": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "type": st.sampled_from(["Ready", "X"]),
                            "status": st.sampled_from(["True", "False"]),
                            "lastHeartbeatTime": st.text(max_size=3),
                        }
                    ),
                    max_size=2,
                )
            ),
        }
    return obj


@settings(max_examples=300, deadline=None)
@given(k8s_objects(), k8s_objects())
def test_applying_the_diff_gives_the_new_object_modulo_noise(a: dict, b: dict) -> None:
    patch = diff(a, b)
    assert same_json(apply(patch, a), strip_noise(b))
    # JSON equality, not Python's: false and 0 are different values (True == 1 in Python)
    assert (patch == []) == same_json(strip_noise(a), strip_noise(b))


def same_json(x: object, y: object) -> bool:
    return orjson.dumps(x, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        y, option=orjson.OPT_SORT_KEYS
    )


@settings(max_examples=200, deadline=None)
@given(k8s_objects(), k8s_objects())
def test_every_change_has_a_summary_and_paths(a: dict, b: dict) -> None:
    ch = change(stored(b), stored(a))
    assert ch.summary and "\n" not in ch.summary
    assert bool(ch.patch) == bool(ch.paths)
