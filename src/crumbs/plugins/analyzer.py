"""A WebAssembly plugin as an analyzer: the same protocol as the built-ins, named ``wasm:<name>``.

It is given the objects of the kinds its manifest declares, one call per
object or one call for all of them. A plugin that cannot load, traps, loops,
exhausts its memory, or returns what the ABI does not allow is contained:
its instance is dropped, the scan goes on, and one warning finding says which
plugin failed, where, and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import wasmtime

from crumbs.analyze.base import owners
from crumbs.analyze.selectors import from_map
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, ObjectKey, Severity, StoredRevision, mapping
from crumbs.plugins import abi
from crumbs.plugins.host import Instance, PluginError
from crumbs.plugins.manifest import Manifest
from crumbs.timeutil import format_time

PREFIX = "wasm:"
MAX_RELATED = 50
CHILDREN = {
    "Deployment": ("ReplicaSet",),
    "ReplicaSet": ("Pod",),
    "StatefulSet": ("Pod", "ControllerRevision"),
    "DaemonSet": ("Pod", "ControllerRevision"),
    "CronJob": ("Job",),
    "Job": ("Pod",),
}


def related(view: ClusterView, rev: StoredRevision) -> list[StoredRevision]:
    """An object's controlling owners (innermost first), what it owns, and the pods a Service selects."""
    out = owners(view, rev)
    for kind in CHILDREN.get(rev.key.kind, ()):
        out.extend(view.owned_by(rev, kind))
    if rev.key.kind == "Service":
        selector = mapping(mapping(rev.doc.get("spec")).get("selector"))
        if selector:
            out.extend(view.select("Pod", rev.key.namespace, from_map(selector)))
    return out[:MAX_RELATED]


@dataclass
class WasmAnalyzer:
    path: Path
    manifest: Manifest | None
    module: wasmtime.Module | None
    error: str = ""
    """Why it cannot run at all (a broken module or manifest): reported by every scan."""
    allow_dirs: bool = False
    fallback_name: str = ""
    notes: list[str] = field(default_factory=list)
    """What the host changed (limits capped at its maxima)."""

    def check(self) -> str:
        """Why scan could not run this plugin ('' when it can): module, manifest, ABI version,
        imports and exports, by instantiating it once as a scan would."""
        if self.error or self.manifest is None or self.module is None:
            return self.error or "no module"
        try:
            Instance(self.module, self.manifest, self.allow_dirs)
        except PluginError as err:
            return str(err)
        return ""

    @property
    def name(self) -> str:
        return PREFIX + (
            self.manifest.name if self.manifest else self.fallback_name or self.path.stem
        )

    @property
    def description(self) -> str:
        if self.manifest is None:
            return f"(broken: {self.error})"
        m = self.manifest
        return f"{m.description or 'a WebAssembly analyzer'} [{m.version}, {self.path}]"

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.manifest.kinds if self.manifest else ()

    def analyze(self, view: ClusterView) -> Iterator[Finding]:
        if self.error or self.manifest is None or self.module is None:
            yield self._failed(self.error or "no module", None)
            return
        try:
            inst = Instance(self.module, self.manifest, self.allow_dirs)
        except PluginError as err:
            yield self._failed(str(err), None)
            return
        at = format_time(view.at)
        objects = [r for kind in self.manifest.kinds for r in view.objects(kind)]
        current = None
        try:
            if self.manifest.mode == "batch":
                if objects:
                    out = inst.call(abi.batch_input(at, objects))
                    kinds = set(self.manifest.kinds)
                    yield from abi.decode(out, self.name, objects[0].key.cluster, None, kinds)
                return
            for rev in objects:
                current = rev
                around = related(view, rev) if self.manifest.related else None
                data = abi.object_input(at, rev, around)
                kinds = set(self.manifest.kinds) | {r.key.kind for r in around or ()}
                for f in abi.decode(inst.call(data), self.name, rev.key.cluster, rev, kinds):
                    if f.key == rev.key:
                        f.evidence.insert(
                            0,
                            Evidence(
                                "revision",
                                rev.key,
                                rev.at,
                                "the object as the plugin saw it",
                                rev.id,
                            ),
                        )
                    yield f
        except (PluginError, abi.OutputError) as err:
            yield self._failed(str(err), current.key if current is not None else None)

    def _failed(self, reason: str, on: ObjectKey | None) -> Finding:
        where = f" on {on.display()}" if on is not None else ""
        return Finding(
            self.name,
            "plugin-failed",
            Severity.WARNING,
            ObjectKey("", "", "Plugin", "", self.name),
            "",
            "",
            f"plugin {self.name} failed{where}: {reason}"[:300],
            detail=f"{self.path}: its findings are missing from this scan (it was stopped and its instance discarded); the other analyzers ran",
            remediation="fix the plugin (crumbs plugin test PLUGIN FILE...), or raise its limits in the manifest",
        )
