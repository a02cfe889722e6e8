"""WebAssembly analyzers: the cost of a call, beside the same rule in Python, and in a whole scan.

- per call, on a 2.4 KB Deployment (compact JSON, as the store holds it): a
  plugin that returns at once (the host's overhead alone: building the input
  around the stored JSON, copying it in, two calls, reading and decoding the
  output), the WAT example (no-docker-hub), the C example (owner-label, built
  with ziglang), and the same two rules as Python functions over the decoded
  object (what a built-in analyzer does);
- a scan of the 100k-object benchmark cluster with every built-in analyzer,
  then with the WAT plugin as well.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "plugins"
EMPTY = """(module (memory (export "memory") 1)
  (data (i32.const 0) "{\\22findings\\22:[]}")
  (func (export "crumbs_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "analyze") (param i32 i32) (result i64) (i64.const 15)))"""


AT = "2026-11-20T10:00:00Z"


def deployment() -> dict[str, Any]:
    env = [{"name": f"SETTING_{i}", "value": f"value-{i:04d}-" + "x" * 24} for i in range(28)]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "billing", "namespace": "shop", "uid": "5f0c0c7e-1b1e-4f7e-9d4c-0c2b4b8f8e11",
                     "labels": {"app": "billing", "team": "payments"}, "resourceVersion": "123456",
                     "creationTimestamp": "2026-11-20T10:00:00Z"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "billing"}},
                 "template": {"metadata": {"labels": {"app": "billing"}},
                              "spec": {"containers": [{"name": "billing", "image": "ghcr.io/acme/billing:2.4.1", "env": env,
                                                       "ports": [{"containerPort": 8080}]}]}}},
        "status": {"replicas": 3, "readyReplicas": 3},
    }  # fmt: skip


def _rev(doc: dict[str, Any]) -> Any:
    from crumbs.model import ObjectKey, RevisionType, StoredRevision

    raw = orjson.dumps(doc)
    key = ObjectKey("bench", "apps", "Deployment", "shop", "billing")
    return StoredRevision(1, 1, key, "u", 0, RevisionType.ADDED, doc, raw=lambda: raw), len(raw)


def _py_no_docker_hub(rev: Any) -> list[Any]:
    from crumbs.analyze.base import containers, finding, pod_spec_of
    from crumbs.model import Severity

    return [
        finding("py", "image-from-docker-hub", Severity.WARNING, rev, "pulls from Docker Hub")
        for c in containers(pod_spec_of(rev.doc))
        if str(c.get("image", "")).startswith("docker.io/")
    ]


def _py_owner_label(rev: Any) -> list[Any]:
    from crumbs.analyze.base import finding, meta
    from crumbs.model import Severity, mapping

    if "owner" in mapping(meta(rev.doc).get("labels")):
        return []
    return [finding("py", "missing-owner-label", Severity.WARNING, rev, "no owner label")]


def _per_call(fn: Any, n: int) -> float:
    fn()
    gc.disable()
    try:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t) / n * 1e6
    finally:
        gc.enable()


def calls(work: Path, n: int = 100_000) -> dict[str, float]:
    from crumbs.plugins import abi
    from crumbs.plugins.build import build
    from crumbs.plugins.host import Instance
    from crumbs.plugins.loader import load_plugin

    rev, size = _rev(deployment())
    (work / "empty.wat").write_text(EMPTY)
    (work / "empty.toml").write_text('name = "empty"\nkinds = ["Deployment"]\n')
    c_dir = work / "owner-label"
    c_dir.mkdir(exist_ok=True)
    for f in ("owner-label.c", "owner-label.toml"):
        (c_dir / f).write_bytes((EXAMPLES / "owner-label" / f).read_bytes())
    build(c_dir / "owner-label.c")
    plugins = {
        "empty": load_plugin(work / "empty.wat", cache=work / "cwasm"),
        "wat": load_plugin(EXAMPLES / "no-docker-hub" / "no-docker-hub.wat", cache=work / "cwasm"),
        "c": load_plugin(c_dir / "owner-label.wasm", cache=work / "cwasm"),
    }
    out: dict[str, float] = {"size": size}
    for label, p in plugins.items():
        assert p.module is not None and p.manifest is not None, p.error
        inst = Instance(p.module, p.manifest)
        out[label] = _per_call(
            lambda inst=inst, p=p: abi.decode(
                inst.call(abi.object_input(AT, rev)), p.name, "bench", rev
            ),
            n,
        )
    # the same empty plugin through wasmtime-py's generic path (Func.__call__, Memory.write/read)
    p = plugins["empty"]
    assert p.module is not None and p.manifest is not None
    g = Instance(p.module, p.manifest)

    def generic() -> list[Any]:
        data = abi.object_input("2026-11-20T10:00:00Z", rev)
        g.store.set_fuel(g.fuel)
        g.store.set_epoch_deadline(g.ticks)
        ptr = g._alloc(g.store, len(data))
        g.memory.write(g.store, data, ptr)
        packed = g._analyze(g.store, ptr, len(data)) & 0xFFFFFFFFFFFFFFFF
        output = g.memory.read(g.store, packed >> 32, (packed >> 32) + (packed & 0xFFFFFFFF))
        return abi.decode(bytes(output), p.name, "bench", rev)

    out["generic"] = _per_call(generic, n // 4)
    out["py-wat"] = _per_call(lambda: _py_no_docker_hub(rev), n)
    out["py-c"] = _per_call(lambda: _py_owner_label(rev), n)
    # the built-ins read decoded objects; decoding is paid once per object for all of them
    raw = rev.json()
    out["decode"] = _per_call(lambda: orjson.loads(raw), n)
    return out


def scan(path: str, at: int, runs: int = 3) -> dict[str, float]:
    from crumbs.analyze.registry import choose
    from crumbs.analyze.scan import Options, run
    from crumbs.analyze.view import ClusterView
    from crumbs.plugins.loader import load_plugin
    from crumbs.store import Store
    from crumbs.store.source import StoreSource

    plugin = load_plugin(EXAMPLES / "no-docker-hub" / "no-docker-hub.wat")
    result: dict[str, float] = {}
    for label, extra in (("none", []), ("wat", [plugin])):
        times = []
        for _ in range(runs):
            store = Store.open(path)
            gc.disable()
            try:
                t = time.perf_counter()
                view = ClusterView(StoreSource(store.queries), at)
                found = run(view, choose(extra=extra), Options())
                times.append(time.perf_counter() - t)
                result["objects"] = sum(len(view.objects(k)) for k in plugin.kinds)
            finally:
                gc.enable()
                store.close()
        result[label] = min(times)
        result[f"{label}-findings"] = len(found)
    return result
