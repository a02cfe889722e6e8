"""Documents to records: objects, Lists, watch envelopes, Events; and the shape checks."""

import pytest

from crumbs.formats.objects import interpret
from crumbs.model import Event, NotKubernetes, ObjectKey, Problem, Revision, RevisionType, Skipped
from crumbs.timeutil import parse_time
from tests.conftest import deployment


def one(value, observed=None):
    out = list(interpret(value, "f:1", "c", observed))
    assert len(out) == 1, out
    return out[0]


def test_object_key_and_time_from_its_own_timestamps() -> None:
    obj = deployment()
    obj["metadata"]["managedFields"] = [
        {"manager": "helm", "operation": "Update", "time": "2026-11-21T10:00:00Z"},
        {"manager": "kubectl-patch", "operation": "Update", "time": "2026-11-27T14:05:12Z"},
    ]
    obj["status"] = {
        "conditions": [
            {
                "type": "Available",
                "lastTransitionTime": "2026-11-22T00:00:00Z",
                "lastHeartbeatTime": "2030-01-01T00:00:00Z",
            }
        ]
    }
    rev = one(obj)
    assert isinstance(rev, Revision)
    assert rev.key == ObjectKey("c", "apps", "Deployment", "shop", "billing")
    assert rev.uid == "u-1"
    assert rev.type is None
    assert rev.at is None  # a snapshot: the store dates it at the snapshot's time
    # the newest time it carries, heartbeats included: no snapshot holding it was taken earlier
    assert rev.stamp == parse_time("2030-01-01T00:00:00Z")


def test_an_object_without_any_time_is_left_to_ingest_time() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    assert one(obj).at is None


def test_watch_envelope_types_and_line_time() -> None:
    rev = one({"type": "DELETED", "object": deployment(), "time": "2026-11-27T15:00:00.5Z"})
    assert rev.type is RevisionType.DELETED
    assert rev.at == parse_time("2026-11-27T15:00:00.5Z")
    assert isinstance(
        one(
            {
                "type": "BOOKMARK",
                "object": {
                    "kind": "Deployment",
                    "apiVersion": "apps/v1",
                    "metadata": {"resourceVersion": "9"},
                },
            }
        ),
        Skipped,
    )
    err = one(
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "code": 410,
                "message": "too old resource version",
            },
        }
    )
    assert isinstance(err, Skipped) and "too old resource version" in err.reason
    assert "unknown watch event type" in one({"type": "WAT", "object": deployment()}).message
    assert (
        "not an RFC 3339 time"
        in one({"type": "ADDED", "object": deployment(), "time": "noon"}).message
    )
    assert "not an object" in one({"type": "ADDED", "object": [1]}).message


def test_typed_list_items_take_the_list_kind() -> None:
    pod = {"metadata": {"name": "p", "namespace": "n", "uid": "u"}, "spec": {}}
    out = list(
        interpret(
            {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod, 3]},
            "pods.json",
            "c",
        )
    )
    assert (
        isinstance(out[0], Revision)
        and out[0].key.kind == "Pod"
        and out[0].doc["apiVersion"] == "v1"
    )
    assert isinstance(out[1], Problem) and out[1].where == "pods.json#items[1]"


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"kind": "Pod", "metadata": {"name": "x"}}, "no apiVersion"),
        ({"apiVersion": "v1", "metadata": {"name": "x"}}, "no kind"),
        ({"apiVersion": "v1", "kind": "Pod"}, "Pod without metadata"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": "x"}, "metadata is a string"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {}}, "without metadata.name"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 7}}, "without metadata.name"),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": 3}},
            "metadata.namespace is a number",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "labels": ["a"]}},
            "metadata.labels is a list",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "labels": {"a": 1}}},
            "metadata.labels.a is a number",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "x", "creationTimestamp": "yesterday"},
            },
            "not an RFC 3339 time",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "managedFields": {}}},
            "managedFields is a dict",
        ),
        (
            {"apiVersion": "v1", "kind": "Gizmo", "metadata": {"name": "x"}},
            "unknown kind Gizmo in API group core",
        ),
        (
            {"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "x"}},
            "unknown kind Pod in API group apps",
        ),
        (
            {"apiVersion": "apps/", "kind": "Deployment", "metadata": {"name": "x"}},
            "has no version",
        ),
    ],
)
def test_shape_problems(obj: dict, message: str) -> None:
    p = one(obj)
    assert isinstance(p, Problem), p
    assert message in p.message


def test_custom_resources_of_any_kind_are_accepted() -> None:
    rev = one(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "a", "namespace": "argocd"},
        }
    )
    assert isinstance(rev, Revision) and rev.key.group == "argoproj.io"


def test_what_is_not_kubernetes_at_all_says_so() -> None:
    assert isinstance(one("just a string"), NotKubernetes)
    assert isinstance(one({"image": {"tag": "1.0"}}), NotKubernetes)  # Helm values
    assert not isinstance(one({"apiVersion": "v1", "kind": "Pod"}), NotKubernetes)


def test_core_event_attaches_to_its_involved_object() -> None:
    ev = one(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": "billing.1",
                "namespace": "shop",
                "uid": "e1",
                "creationTimestamp": "2026-11-27T14:30:00Z",
            },
            "involvedObject": {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": "inv-1",
                "namespace": "shop",
                "uid": "j1",
            },
            "reason": "BackoffLimitExceeded",
            "message": "Job has reached the specified backoff limit",
            "type": "Warning",
            "count": 2,
            "firstTimestamp": "2026-11-27T14:30:00Z",
            "lastTimestamp": "2026-11-27T14:31:40Z",
            "source": {"component": "job-controller"},
        }
    )
    assert isinstance(ev, Event)
    assert ev.key == ObjectKey("c", "batch", "Job", "shop", "inv-1") and ev.uid == "j1"
    assert (ev.type, ev.reason, ev.count, ev.source) == (
        "Warning",
        "BackoffLimitExceeded",
        2,
        "job-controller",
    )
    assert ev.at == parse_time("2026-11-27T14:31:40Z") and ev.first_at == parse_time(
        "2026-11-27T14:30:00Z"
    )


def test_events_k8s_io_event_with_series() -> None:
    ev = one(
        {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {
                "name": "p.2",
                "namespace": "shop",
                "creationTimestamp": "2026-11-27T14:00:00Z",
            },
            "regarding": {"kind": "Pod", "name": "p", "uid": "pu"},
            "note": "Back-off restarting failed container",
            "reason": "BackOff",
            "type": "Warning",
            "eventTime": "2026-11-27T14:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2026-11-27T14:09:00.000000Z"},
            "reportingController": "kubelet",
        }
    )
    assert isinstance(ev, Event)
    assert ev.key == ObjectKey(
        "c", "", "Pod", "shop", "p"
    )  # namespace from the Event: Pods are namespaced
    assert (ev.message, ev.count, ev.source) == (
        "Back-off restarting failed container",
        7,
        "kubelet",
    )
    assert ev.at == parse_time("2026-11-27T14:09:00Z")


def test_node_event_stays_cluster_scoped() -> None:
    ev = one(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "n.1", "namespace": "default"},
            "involvedObject": {"kind": "Node", "name": "node-1"},
            "reason": "NodeNotReady",
            "lastTimestamp": "2026-11-27T14:00:00Z",
        }
    )
    assert ev.key.namespace == ""


def test_event_without_involved_object_is_a_problem() -> None:
    p = one({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "reason": "X"})
    assert isinstance(p, Problem) and "involvedObject" in p.message
