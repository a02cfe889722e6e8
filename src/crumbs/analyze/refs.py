"""What a pod template refers to: ConfigMaps, Secrets, a ServiceAccount, PVCs, images, and hosts it calls."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from crumbs.analyze.base import containers
from crumbs.model import mapping, sequence

_HOST = re.compile(
    r"(?:(?:https?|grpc|tcp|amqps?|redis|postgres(?:ql)?|mysql|mongodb)://)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::\d+)?",
    re.I,
)


class Ref(NamedTuple):
    kind: str
    """``ConfigMap``, ``Secret``, ``ServiceAccount``, ``PersistentVolumeClaim``."""
    name: str
    where: str
    """How it is used: ``volume config``, ``envFrom``, ``env DB_PASSWORD``, ``imagePullSecrets``."""
    optional: bool = False


# (field, kind, the field holding the name) for volumes, projected sources, envFrom and env
_VOLUME_SOURCES = (
    ("configMap", "ConfigMap", "name"),
    ("secret", "Secret", "secretName"),
    ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName"),
)
_PROJECTED_SOURCES = (("configMap", "ConfigMap", "name"), ("secret", "Secret", "name"))
_ENV_FROM = (("configMapRef", "ConfigMap", "name"), ("secretRef", "Secret", "name"))
_ENV_VALUE_FROM = (("configMapKeyRef", "ConfigMap", "name"), ("secretKeyRef", "Secret", "name"))


def _refs(
    holder: dict[str, Any], sources: tuple[tuple[str, str, str], ...], where: str
) -> Iterator[Ref]:
    for field, kind, name_field in sources:
        if field in holder:
            ref = mapping(holder[field])
            yield Ref(kind, str(ref.get(name_field) or ""), where, bool(ref.get("optional")))


def references(pod_spec: dict[str, Any]) -> Iterator[Ref]:
    sa = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount")
    if isinstance(sa, str) and sa and sa != "default":
        yield Ref("ServiceAccount", sa, "serviceAccountName")
    for secret in sequence(pod_spec.get("imagePullSecrets")):
        if isinstance(secret, dict) and secret.get("name"):
            yield Ref("Secret", str(secret["name"]), "imagePullSecrets", optional=True)
    for vol in sequence(pod_spec.get("volumes")):
        v = mapping(vol)
        where = f"volume {v.get('name') or ''}"
        yield from _refs(v, _VOLUME_SOURCES, where)
        for source in sequence(mapping(v.get("projected")).get("sources")):
            yield from _refs(mapping(source), _PROJECTED_SOURCES, where)
    for c in containers(pod_spec):
        cname = str(c.get("name") or "")
        for src in sequence(c.get("envFrom")):
            yield from _refs(mapping(src), _ENV_FROM, f"envFrom in container {cname}")
        for env in sequence(c.get("env")):
            e = mapping(env)
            where = f"env {e.get('name')} in container {cname}"
            yield from _refs(mapping(e.get("valueFrom")), _ENV_VALUE_FROM, where)


def images(pod_spec: dict[str, Any]) -> list[str]:
    return [str(c.get("image")) for c in containers(pod_spec, init=False) if c.get("image")]


def called_services(pod_spec: dict[str, Any], namespace: str) -> list[tuple[str, str, str]]:
    """(namespace, service, where) for every ``svc.ns.svc`` host in env values, args and commands."""
    found: list[tuple[str, str, str]] = []
    for c in containers(pod_spec):
        texts = [
            (f"env {mapping(e).get('name')}", str(mapping(e).get("value") or ""))
            for e in sequence(c.get("env"))
        ]
        texts += [("args", str(a)) for a in sequence(c.get("args"))] + [
            ("command", str(a)) for a in sequence(c.get("command"))
        ]
        for where, text in texts:
            for m in _HOST.finditer(text):
                found.append((m.group(3), m.group(1), f"{where} in container {c.get('name')}"))
    return found


def image_parts(image: str) -> tuple[str, str]:
    """``ghcr.io/acme/billing:1.4.2`` → (``ghcr.io/acme/billing``, ``1.4.2``); a digest counts as the tag."""
    if "@" in image:
        repo, _, digest = image.partition("@")
        return repo.rsplit(":", 1)[0] if ":" in repo.rsplit("/", 1)[-1] else repo, digest
    slash, colon = image.rfind("/"), image.rfind(":")
    return (image[:colon], image[colon + 1 :]) if colon > slash else (image, "latest")
