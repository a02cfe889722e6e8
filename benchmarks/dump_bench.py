"""A 10k-object `kubectl cluster-info dump` tree: ingest (objects/s), then `info` and `scan`,
each as a ratio to orjson-parsing the same files, measured side by side in one run.

The tree replicates a realistic namespace (ten apps: a Deployment with two
ReplicaSets, three pods, a Service, their Events and a log file per pod; one app
in three crash-looping after a rollout) across namespaces, with the dump's own
layout (``nodes.json``, ``NS/{deployments,replicasets,pods,services,events,...}.json``,
``NS/POD/logs.txt``).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent.parent))
from crumbs.cli import main  # noqa: E402
from tests.scenarios import dumps  # noqa: E402

APPS = 10
TARGET = 10_000


def namespace(root: Path, ns: str, broken: bool) -> int:
    """One namespace of the tree; how many objects (Events included) it holds."""
    deps, sets, pods, events, services = [], [], [], [], []
    for a in range(APPS):
        app = f"app{a}"
        crash = broken and a % 3 == 0
        probe = (
            {"httpGet": {"path": "/healthz", "port": 8081}, "periodSeconds": 5} if crash else None
        )
        dep = dumps.deployment(ns, app, f"registry.example.com/{app}:2.0", dumps.ago(days=40), dumps.ago(minutes=10 if crash else 60 * 24 * (a + 1)),
                               "kubectl-client-side-apply", probe, 2, ready=not crash, replicas=3)  # fmt: skip
        dep["metadata"]["uid"] = f"uid-{ns}-{app}"
        old = dumps.replicaset(
            dep, 1, dumps.ago(days=40), dumps._template(app, f"registry.example.com/{app}:1.0"), 0
        )
        new = dumps.replicaset(
            dep,
            2,
            dep["metadata"]["managedFields"][0]["time"],
            dumps._template(app, f"registry.example.com/{app}:2.0", probe),
            3,
        )
        for rs in (old, new):
            rs["metadata"]["uid"] = f"uid-{ns}-{rs['metadata']['name']}"
        deps.append(dep)
        sets += [old, new]
        services.append(dumps.service(ns, app, dumps.ago(days=40)))
        for i in range(3):
            state = (dumps.crashlooping(dumps.t(-600), dumps.t(-588), dumps.t(-70), dumps.t(-64), 6) if crash
                     else dumps.healthy(dumps.ago(days=1)))  # fmt: skip
            p = dumps.pod(new, f"p{i}", f"node-{i}", f"10.244.{a}.{i + 10}", dumps.t(-599), state)
            pods.append(p)
            name, uid = p["metadata"]["name"], p["metadata"]["uid"]
            events.append(dumps.event(ns, "Pod", name, uid, "Pulled", f'Container image "registry.example.com/{app}:2.0" already present on machine',
                                      dumps.t(-599), dumps.t(-64), 6, "kubelet", "Normal"))  # fmt: skip
            if crash:
                events.append(dumps.event(ns, "Pod", name, uid, "BackOff", f"Back-off restarting failed container {app} in pod {name}_{ns}({uid})",
                                          dumps.t(-550), dumps.t(-20), 30, "kubelet"))  # fmt: skip
            (root / ns / name).mkdir(parents=True, exist_ok=True)
            (root / ns / name / "logs.txt").write_text(
                f"==== START logs for container {app} of pod {ns}/{name} ====\n"
                + "".join(
                    f"2026-11-27T14:{m:02d}:00Z GET /api/v1/items 200 12ms\n" for m in range(30)
                )
                + f"==== END logs for container {app} of pod {ns}/{name} ====\n"
            )
    dumps.write_list(root / ns / "deployments.json", "DeploymentList", "apps/v1", deps)
    dumps.write_list(root / ns / "replicasets.json", "ReplicaSetList", "apps/v1", sets)
    dumps.write_list(root / ns / "pods.json", "PodList", "v1", pods)
    dumps.write_list(root / ns / "services.json", "ServiceList", "v1", services)
    dumps.write_list(root / ns / "events.json", "EventList", "v1", events)
    dumps.write_list(root / ns / "daemonsets.json", "DaemonSetList", "apps/v1", [])
    dumps.write_list(
        root / ns / "replicationcontrollers.json", "ReplicationControllerList", "v1", []
    )
    return len(deps) + len(sets) + len(pods) + len(services) + len(events)


def tree(root: Path) -> int:
    """The dump tree (made once, kept between runs); how many objects it holds."""
    marker = root / ".objects"
    if marker.exists():
        return int(marker.read_text())
    nodes = [dumps.node(f"node-{i}", dumps.t(-15)) for i in range(3)]
    dumps.write_list(root / "nodes.json", "NodeList", "v1", nodes)
    total, n = len(nodes), 0
    while total < TARGET:
        total += namespace(root, f"team-{n:03d}", broken=n % 10 == 3)
        n += 1
    marker.write_text(str(total))
    return total


def parse_all(root: Path) -> int:
    """The baseline: orjson-parse every JSON file of the tree; how many items."""
    items = 0
    for path in sorted(root.rglob("*.json")):
        value: Any = orjson.loads(path.read_bytes())
        items += len(value.get("items") or [])
    return items


def crumbs(*argv: str) -> None:
    sink = io.TextIOWrapper(io.BytesIO())
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    if code not in (0, 3):
        raise SystemExit(f"crumbs {' '.join(argv)} failed with {code}")


def run(
    work: Path,
    report: Callable[[str, str, str], None],
    timed: Callable[[Callable[[], object]], float],
) -> None:
    root = work / "dump-10k"
    objects = tree(root)
    db = str(work / "dump-10k.db")
    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    ingest = timed(lambda: crumbs("--db", db, "ingest", str(root)))
    report(
        "dump tree: ingest of a 10k-object cluster-info dump (logs included)",
        f"{objects / ingest:,.0f} objects/s ({objects:,} objects, {ingest:.2f} s)",
        "",
    )
    parse = min(timed(lambda: parse_all(root)) for _ in range(3))
    info = min(timed(lambda: crumbs("--db", db, "info", "-o", "json")) for _ in range(3))
    scan = min(timed(lambda: crumbs("--db", db, "scan", "-o", "json")) for _ in range(3))
    report("dump tree: orjson parse of its files (baseline)", f"{parse:.3f} s", "")
    report(
        "dump tree: `info` ÷ orjson parse",
        f"{info / parse:.2f}× ({info:.3f} s)",
        "aggregates, not parsing",
    )
    report("dump tree: `scan` ÷ orjson parse", f"{scan / parse:.2f}× ({scan:.3f} s)", "≤ 3×")
