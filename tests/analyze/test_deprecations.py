"""The deprecated-API table against FairwindsOps/pluto's versions.yaml, where both speak."""

from __future__ import annotations

import yaml

from crumbs.analyze.deprecations import BY_VERSION_KIND, TABLE
from crumbs.analyze.view import parse_version
from tests.conftest import need_corpus

# Where the Kubernetes deprecation guide and pluto disagree on removal, the guide wins:
# flowcontrol.apiserver.k8s.io/v1beta1 is "no longer served as of v1.26".
GUIDE_OVER_PLUTO = {
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"),
}


def _pluto() -> dict[tuple[str, str], dict[str, str]]:
    rows = yaml.safe_load((need_corpus() / "pluto" / "versions.yaml").read_text())
    return {
        (r["version"], r["kind"]): r
        for r in rows["deprecated-versions"]
        if r.get("component") == "k8s"
    }


def test_removals_agree_with_pluto() -> None:
    pluto = _pluto()
    both = set(pluto) & set(BY_VERSION_KIND)
    assert len(both) >= 40
    disagree = {
        key: (pluto[key]["removed-in"], BY_VERSION_KIND[key].removed)
        for key in both
        if pluto[key]["removed-in"] != BY_VERSION_KIND[key].removed
    }
    assert set(disagree) == GUIDE_OVER_PLUTO, disagree


def test_replacements_agree_with_pluto() -> None:
    # the same group (pluto sometimes names an intermediate beta, we name the stable version)
    pluto = _pluto()
    for key in set(pluto) & set(BY_VERSION_KIND):
        theirs, ours = pluto[key]["replacement-api"], BY_VERSION_KIND[key].replacement
        if theirs and "/" in ours:
            assert theirs.split("/")[0] == ours.split("/")[0], key


def test_every_object_kind_pluto_knows_as_removed_is_covered() -> None:
    # kinds a user stores (not Lists, audit policy files, or alpha APIs off by default)
    skip = (
        "List",
        "audit.k8s.io",
        "v1alpha",
        "resource.k8s.io",
        "VolumeAttributesClass",
        "storagemigration",
        "FlowControl",
    )
    missing = [
        key
        for key, r in _pluto().items()
        if r["removed-in"]
        and not any(s in key[0] or key[1].endswith(s) for s in skip)
        and key not in BY_VERSION_KIND
        and not (key[0] == "apps/v1beta1" and key[1] == "ReplicaSet")  # never served
    ]
    assert missing == []


def test_table_is_well_formed() -> None:
    for d in TABLE:
        assert parse_version(d.removed) and parse_version(d.deprecated), d
        assert parse_version(d.deprecated) <= parse_version(d.removed), d
        assert d.api_version.count("/") == 1 and d.kind[0].isupper(), d
    assert len(BY_VERSION_KIND) == len(TABLE)


def test_every_deprecated_version_passes_the_cheap_prefilter() -> None:
    # the apis analyzer skips objects whose JSON mentions neither "beta" nor "alpha"
    assert all("beta" in d.api_version or "alpha" in d.api_version for d in TABLE)
