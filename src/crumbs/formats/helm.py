"""Helm 3 release records, decoded from the Secrets (or ConfigMaps) Helm keeps them in.

``sh.helm.release.v1.<release>.v<revision>``: the Secret's ``data.release`` is
base64 (as all Secret data), of base64, of gzip, of the release as JSON
(chart metadata and default values, user values in ``config``, the rendered
``manifest``, ``info`` with status and times). The ConfigMap driver stores the
same without the outer base64.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from crumbs.formats.stamps import newest_timestamp
from crumbs.model import HelmRelease, Note, Obj, mapping
from crumbs.timeutil import parse_time

RELEASE_TYPE = "helm.sh/release.v1"
MAX_RELEASE = 64 * 1024 * 1024
"""Largest decompressed release accepted (a gzip bomb stops here)."""


def is_release(obj: Obj) -> bool:
    md = obj.get("metadata") or {}
    name = str(md.get("name") or "")
    if obj.get("kind") == "Secret":
        return obj.get("type") == RELEASE_TYPE
    if obj.get("kind") == "ConfigMap":
        return (
            name.startswith("sh.helm.release.v1.")
            and mapping(md.get("labels")).get("owner") == "helm"
        )
    return False


def decode(
    obj: Obj, where: str, cluster: str, observed: int | None = None
) -> Iterator[HelmRelease | Note]:
    """The release a storage object holds; its time is when the record became what it says.

    That is the recording's time if given, else the later of ``last_deployed``
    and the storage object's own newest timestamp (a revision becomes
    ``superseded`` when the next one is deployed, long after its own deploy).
    """
    md = obj.get("metadata") or {}
    name = str(md.get("name"))
    try:
        payload = mapping(obj.get("data")).get("release")
        if not isinstance(payload, str) or not payload:
            raise ValueError("no data.release")
        text = base64.b64decode(payload, validate=False)
        if obj.get("kind") == "Secret":
            text = base64.b64decode(text, validate=False)
        release = orjson.loads(_gunzip(text) if text[:2] == b"\x1f\x8b" else text)
        if not isinstance(release, dict):
            raise ValueError("the release is not a JSON object")
    except (ValueError, binascii.Error, zlib.error, orjson.JSONDecodeError) as err:
        yield Note(where, f"Helm release {name} not decodable: {str(err).splitlines()[0]}")
        return
    info = mapping(release.get("info"))
    chart = mapping(release.get("chart"))
    meta = mapping(chart.get("metadata"))
    revision = release.get("version")
    deployed = _time(info.get("last_deployed"))
    own = newest_timestamp(obj)
    last = (
        observed
        if observed is not None
        else max((t for t in (deployed, own) if t is not None), default=None)
    )
    stored_in = str(md.get("namespace") or release.get("namespace") or "")
    if release.get("namespace") and release.get("namespace") != stored_in:
        yield Note(
            where,
            f"Helm release {name} says namespace {release['namespace']} but is stored in {stored_in} (kept where stored, as helm list does)",
        )
    label_version = mapping(md.get("labels")).get("version")
    if isinstance(revision, int) and label_version and str(revision) != str(label_version):
        yield Note(
            where,
            f"Helm release {name} says revision {revision} but is labelled {label_version} (kept {revision}, as helm history does)",
        )
    yield HelmRelease(
        cluster=cluster,
        namespace=stored_in,
        name=str(release.get("name") or mapping(md.get("labels")).get("name") or ""),
        revision=revision if isinstance(revision, int) else _int(label_version),
        status=str(info.get("status") or mapping(md.get("labels")).get("status") or ""),
        chart=str(meta.get("name") or ""),
        chart_version=str(meta.get("version") or ""),
        app_version=str(meta.get("appVersion") or ""),
        at=last,
        first_deployed=_time(info.get("first_deployed")),
        description=str(info.get("description") or ""),
        values=mapping(release.get("config")),
        defaults=mapping(chart.get("values")),
        manifest=_documents(str(release.get("manifest") or ""), where),
        storage=f"{obj.get('kind')}/{name}",
        where=where,
        deployed=deployed,
    )


def _documents(manifest: str, where: str) -> list[Obj]:
    """The rendered manifest's objects (what Helm meant the cluster to hold)."""
    from crumbs.formats.documents import Document, yaml_documents

    return [
        d.value
        for d in yaml_documents(f"{where}#manifest", manifest, MAX_RELEASE)
        if isinstance(d, Document) and isinstance(d.value, dict)
    ]


def _gunzip(data: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, MAX_RELEASE)
    if d.unconsumed_tail:
        raise ValueError(f"the release is larger than {MAX_RELEASE // 2**20} MiB decompressed")
    return out


def _time(value: Any) -> int | None:
    return parse_time(value) if isinstance(value, str) and value else None


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
