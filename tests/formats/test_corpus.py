"""Every file of the shared corpus, read as real tools wrote it: what was read, and when."""

from __future__ import annotations

import re
from collections import Counter
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
import yaml

from crumbs.formats.reader import iter_files, read_paths
from crumbs.model import Event, Problem, Revision, Skipped
from crumbs.timeutil import parse_time
from tests.conftest import need_corpus

pytestmark = pytest.mark.corpus


def read(path: Path) -> list:
    return list(read_paths([str(path)]))


def kinds(records: list) -> Counter:
    return Counter(r.key.kind for r in records if isinstance(r, Revision))


def test_every_file_is_accounted_for() -> None:
    corpus = need_corpus()
    files = {str(p) for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")}
    seen = set()
    for name, records in iter_files([str(corpus)]):
        seen.add(name)
        records = list(records)
        assert records, f"{name} yielded nothing at all"
    assert seen == files


# Files whose objects the API server itself would refuse, and why.
BROKEN = {
    "gitops-engine/health/application-degraded.yaml": "Application without metadata",
    "gitops-engine/health/application-healthy.yaml": "Application without metadata",
    "kube-no-trouble/localsubjectaccessreview-v1beta1.yaml": "LocalSubjectAccessReview without metadata",
    "kube-no-trouble/selfsubjectaccessreview-v1beta1.yaml": "SelfSubjectAccessReview without metadata",
    "kube-no-trouble/subjectaccessreview-v1beta1.yaml": "SubjectAccessReview without metadata",
    "kube-no-trouble/tokenreview-v1beta1.yaml": "TokenReview without metadata",
    "kube-no-trouble/volumesnapshotcontent-v1beta1.yaml": "metadata.annotations is a list, not a mapping",
    "kubectl-blame/multi-manager-list-item.yaml": "Deployment without metadata.name",
}
NOT_KUBERNETES = {
    "README.md",
    "kube-no-trouble/expected-json-output.json",
    "kube-no-trouble/expected-json-output-labels.json",
    "kubectl-blame/deploy.json.txt",
    "kubectl-blame/deploy.yaml.txt",
    "kubectl-blame/list.yaml.txt",
    "kubectl-blame/multi-manager-list-item.yaml.txt",
    "pluto/versions.yaml",
    "popeye/config/1.yaml",
}

# The OpenShift Insights archive (insights-operator/docs/insights-archive-sample/): every
# object is read (issue 13), and these files are skipped as what they are, relative to the
# archive: the operator's own summaries, metrics, node journals, ConfigMap keys kept as
# files, a Go struct dump, and status-only or metadata-less records that are not objects.
# Container logs (containers/*/logs/last-N-lines.log, config/pod/*/logs/*/*.log) are kept.
INSIGHTS = "insights-operator/docs/insights-archive-sample/"
INSIGHTS_REJECTED: dict[str, str] = {}
INSIGHTS_SKIPPED = [
    "aggregated/*.json",
    "conditional/alerts/*/api_request_counts.json",
    "config/alerts.json",
    "config/certificatesigningrequests/csr-test.json",  # a Go struct dump (TypeMeta/ObjectMeta)
    "config/configmaps/*/*/*",  # one file per ConfigMap key
    "config/dvo_metrics",
    "config/helmchart_info.json",
    "config/id",
    "config/installplans.json",
    "config/metrics",
    "config/namespaces_with_overlapping_uids.json",
    "config/node/logs/*.log",  # a node's journal, not a container's log
    "config/olm_operators.json",
    "config/podnetworkconnectivitychecks.json",
    "config/running_containers.json",
    "config/secrets/*/*/data.json",
    "config/serviceaccounts.json",
    "config/silenced_alerts.json",
    "config/storage/*/cephclusters/*.json",  # status only, no metadata
    "config/tsdb.json",
    "config/versioned_object_revision_counts.json",
    "config/workload_info.json",
    "insights-operator/*.json",
    "namespaces/*/pods/*/*.json",  # a log line in JSON
    "namespaces/*/customresources/*.json",  # node features, no metadata
]


def _matches(rel: str, pattern: str) -> bool:
    """Glob matching per path segment (``*`` never crosses a ``/``)."""
    parts, globs = rel.split("/"), pattern.split("/")
    return len(parts) == len(globs) and all(map(fnmatchcase, parts, globs))


def _insights(rel: str) -> str | None:
    return rel[len(INSIGHTS) :] if rel.startswith(INSIGHTS) else None


def test_problems_and_skips_are_exactly_the_known_ones() -> None:
    corpus = need_corpus()
    problems, skipped = {}, set()
    for rec in read_paths([str(corpus)]):
        rel = (
            rec.where.split(":")[0].replace(str(corpus) + "/", "")
            if hasattr(rec, "where")
            else None
        )
        if isinstance(rec, Problem):
            problems[rel] = rec.message
        elif isinstance(rec, Skipped):
            skipped.add(rel)
    insights_problems = {_insights(r): m for r, m in problems.items() if _insights(r)}
    insights_skipped = {_insights(r) for r in skipped if _insights(r)}
    problems = {r: m for r, m in problems.items() if not _insights(r)}
    skipped = {r for r in skipped if not _insights(r)}
    assert set(problems) == set(BROKEN)
    for rel, message in BROKEN.items():
        assert message in problems[rel]
    assert skipped == NOT_KUBERNETES | {"insights-operator/LICENSE"}

    for rel, message in insights_problems.items():
        matched = [p for p in INSIGHTS_REJECTED if _matches(rel, p)]
        assert matched, f"unexpected rejection in the Insights archive: {rel}: {message}"
        assert INSIGHTS_REJECTED[matched[0]] in message, rel
    for rel in insights_skipped:
        assert any(_matches(rel, p) for p in INSIGHTS_SKIPPED), f"unexpected skip: {rel}"
    for pattern in INSIGHTS_REJECTED:
        assert any(_matches(r, pattern) for r in insights_problems), pattern
    for pattern in INSIGHTS_SKIPPED:
        assert any(_matches(r, pattern) for r in insights_skipped), pattern


def test_kspan_recording_times_come_from_its_comment_headers() -> None:
    path = need_corpus() / "kspan" / "deployment-2-pods.yaml"
    records = read(path)
    headers = [
        yaml.safe_load(m.group(1))
        for m in re.finditer(r"^# (\{.*\})$", path.read_text(), re.MULTILINE)
    ]
    assert len(records) == len(headers) == 26
    assert Counter(type(r).__name__ for r in records) == {"Event": 19, "Revision": 7}
    assert kinds(records) == {"Pod": 4, "ReplicaSet": 2, "Deployment": 1}
    for rec, header in zip(records, headers, strict=True):
        assert rec.key.kind == header["kind"] or isinstance(rec, Event)
        if isinstance(rec, Revision):
            assert rec.at == parse_time(header["time"])  # the recorder's clock, to the nanosecond
    events = [r for r in records if isinstance(r, Event)]
    assert {e.reason for e in events} >= {
        "ScalingReplicaSet",
        "SuccessfulCreate",
        "Killing",
        "Scheduled",
        "Pulled",
        "Started",
    }
    assert {e.key.kind for e in events} == {"Deployment", "ReplicaSet", "Pod"}
    assert all(e.key.name.startswith("px") for e in events)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("popeye/apps", {"Deployment": 3, "DaemonSet": 3, "ReplicaSet": 2, "StatefulSet": 3}),
        ("popeye/batch", {"CronJob": 2, "Job": 3}),
        ("popeye/core/pod", {"Pod": 10}),
        ("popeye/core/svc", {"Service": 6}),
        (
            "popeye/net",
            {"Gateway": 2, "GatewayClass": 2, "HTTPRoute": 3, "Ingress": 6, "NetworkPolicy": 23},
        ),
        ("pluto/helm3", {"Secret": 3}),
        ("kubectl-blame", {"Deployment": 5}),
    ],
)
def test_object_counts_per_folder(folder: str, expected: dict) -> None:
    assert kinds(read(need_corpus() / folder)) == expected


def test_file_names_agree_with_the_kinds_read() -> None:
    """gitops-engine and kube-no-trouble name their files after what they hold."""
    prefixes = {
        "pod": "Pod",
        "hpa": "HorizontalPodAutoscaler",
        "svc": "Service",
        "pvc": "PersistentVolumeClaim",
        "job": "Job",
        "deployment": "Deployment",
        "statefulset": "StatefulSet",
        "daemonset": "DaemonSet",
        "ingress": "Ingress",
        "apiservice": "APIService",
        "cronjob": "CronJob",
        "lease": "Lease",
        "role": "Role",
        "storageclass": "StorageClass",
    }
    corpus = need_corpus()
    checked = 0
    for path in [
        *(corpus / "gitops-engine" / "health").glob("*.yaml"),
        *(corpus / "kube-no-trouble").glob("*-v1*.yaml"),
    ]:
        prefix = path.name.split("-")[0]
        if prefix in prefixes:
            revs = [r for r in read(path) if isinstance(r, Revision)]
            assert revs and revs[0].key.kind == prefixes[prefix], path.name
            checked += 1
    assert checked >= 50


def test_stamps_are_the_newest_timestamp_each_object_carries() -> None:
    for rec in read_paths([str(need_corpus() / "gitops-engine")]):
        if not isinstance(rec, Revision):
            continue
        assert rec.at is None  # snapshots: dated by the store at the snapshot's time
        created = rec.doc["metadata"].get("creationTimestamp")
        if created:
            assert rec.stamp is not None and rec.stamp >= parse_time(created)
        managed = [
            parse_time(m["time"])
            for m in rec.doc["metadata"].get("managedFields", [])
            if m.get("time")
        ]
        if managed:
            assert rec.stamp >= max(managed)
