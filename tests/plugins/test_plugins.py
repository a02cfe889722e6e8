"""WebAssembly analyzers: real modules (WAT fixtures, the examples built with ziglang), hostile ones contained."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crumbs.plugins import abi
from crumbs.plugins.build import BuildError, build
from crumbs.plugins.host import compile_module
from crumbs.plugins.loader import load_plugin, module_bytes
from crumbs.plugins.manifest import SECTION, ManifestError, custom_section, load

HERE = Path(__file__).parent
MODULES = HERE / "modules"
EXAMPLES = HERE.parents[1] / "examples" / "plugins"

CLUSTER = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop, uid: cj1, labels: {app: billing}, creationTimestamp: "2026-11-20T10:00:00Z"}
spec:
  schedule: "0 2 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: n, image: "docker.io/acme/report:latest"}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: owned, namespace: shop, uid: cj2, labels: {app: billing, owner: team-pay}, creationTimestamp: "2026-11-20T10:00:00Z"}
spec:
  schedule: "0 3 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: n, image: "ghcr.io/acme/report:2.1"}]}}}}
---
apiVersion: v1
kind: Service
metadata: {name: lonely, namespace: shop, uid: s1, creationTimestamp: "2026-11-20T10:00:00Z"}
spec: {selector: {app: nothing-has-this}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: shop, uid: p1, labels: {app: other}, creationTimestamp: "2026-11-20T10:00:00Z"}
spec: {containers: [{name: c, image: "x:1"}]}
status: {phase: Running}
"""


@pytest.fixture
def cluster(cli, tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(CLUSTER)
    assert cli("ingest", str(path)).code == 0
    return path


def scan(cli, *plugins: Path) -> list[dict]:
    args = [a for p in plugins for a in ("--plugin", str(p))]
    r = cli("scan", *args, "-o", "json")
    assert r.code in (0, 3), r.err
    return r.json()["findings"]


def test_the_wat_example_has_the_standing_of_a_builtin(cli, cluster: Path) -> None:
    plugin = EXAMPLES / "no-docker-hub" / "no-docker-hub.wat"
    found = scan(cli, plugin)
    mine = [f for f in found if f["analyzer"] == "wasm:no-docker-hub"]
    assert [(f["rule"], f["subject"]["name"], f["severity"]) for f in mine] == [
        ("image-from-docker-hub", "nightly", "warning")
    ]
    assert mine[0]["evidence"][0]["kind"] == "revision"
    # the built-ins still ran, and the plugin is a name among them for -a, --disable and analyzers
    assert any(f["analyzer"] == "services" for f in found)
    only = cli("scan", "--plugin", str(plugin), "-a", "wasm:no-docker-hub", "-o", "json").json()[
        "findings"
    ]
    assert {f["analyzer"] for f in only} == {"wasm:no-docker-hub"}
    none = cli(
        "scan", "--plugin", str(plugin), "--disable", "wasm:no-docker-hub", "-o", "json"
    ).json()["findings"]
    assert all(f["analyzer"] != "wasm:no-docker-hub" for f in none)
    listed = cli("analyzers", "--plugin", str(plugin), "-o", "json").json()["analyzers"]
    assert {
        "name": "wasm:no-docker-hub",
        "kinds": ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"],
    }.items() <= next(a for a in listed if a["name"] == "wasm:no-docker-hub").items()
    why = cli("why", "cronjob/nightly", "-n", "shop", "--plugin", str(plugin), "-o", "json").json()[
        "findings"
    ]
    assert any(f["analyzer"] == "wasm:no-docker-hub" for f in why)


def test_plugins_directory(
    cli, cluster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "plugins"
    shutil.copytree(EXAMPLES / "no-docker-hub", d / "no-docker-hub")
    monkeypatch.setenv("CRUMBS_PLUGINS", str(d))
    assert any(f["analyzer"] == "wasm:no-docker-hub" for f in scan(cli))
    listed = cli("plugin", "list", "-o", "json").json()
    assert [(p["name"], p["ok"]) for p in listed["plugins"]] == [("wasm:no-docker-hub", True)]


@pytest.mark.parametrize(
    ("module", "reason"),
    [
        ("loop", "ran out of fuel"),
        ("slow", "ran out of time"),
        ("bomb", "out-of-bounds memory access (or memory exhausted"),
        ("trap", "trapped: "),
        ("invalid", "output is not JSON"),
        ("oversized", "output of 10,485,760 bytes is over its limit (65,536)"),
        ("outside", "outside its 65,536-byte memory"),
        ("missing", "breaks the ABI: missing export alloc (func)"),
        ("wrongabi", "speaks ABI version 2, this Crumbs speaks 1"),
        ("wrongsig", "analyze is (i32, i32) -> (i32), expected (i32, i32) -> (i64)"),
        ("badfinding", "findings[0].severity must be error, warning or info"),
    ],
)
def test_hostile_modules_are_contained(cli, cluster: Path, module: str, reason: str) -> None:
    found = scan(cli, MODULES / f"{module}.wat")
    failed = [f for f in found if f["rule"] == "plugin-failed"]
    assert len(failed) == 1, failed
    f = failed[0]
    assert f["analyzer"] == f"wasm:{module}" and f["severity"] == "warning"
    assert f"plugin wasm:{module} failed" in f["title"] and reason in f["title"], f["title"]
    # the scan went on: the built-in analyzers' findings are all there
    assert any(x["analyzer"] == "services" and x["subject"]["name"] == "lonely" for x in found)


def test_a_batch_plugin_gets_every_object_of_its_kinds_at_once(cli, cluster: Path) -> None:
    found = [f for f in scan(cli, MODULES / "echo-batch.wat") if f["analyzer"] == "wasm:echo-batch"]
    assert [(f["rule"], f["subject"]["kind"], f["subject"]["name"]) for f in found] == [
        ("seen", "CronJob", "nightly")
    ]
    plugin = load_plugin(MODULES / "echo-batch.wat")
    from crumbs.model import ObjectKey, RevisionType, StoredRevision

    revs = [
        StoredRevision(
            i,
            i,
            ObjectKey("c", "batch", "CronJob", "shop", f"j{i}"),
            "u",
            0,
            RevisionType.ADDED,
            {"kind": "CronJob", "i": i},
        )
        for i in range(3)
    ]
    data = abi.batch_input("2026-11-20T10:00:00Z", revs)
    assert orjson.loads(data)["objects"] == [{"kind": "CronJob", "i": i} for i in range(3)]
    assert plugin.manifest is not None and plugin.manifest.mode == "batch"


def test_a_manifest_in_a_custom_section(tmp_path: Path) -> None:
    wasm = module_bytes(EXAMPLES / "no-docker-hub" / "no-docker-hub.wat")
    manifest = orjson.dumps({"name": "inside", "kinds": ["Pod"], "mode": "object"})
    name = SECTION.encode()
    payload = bytes([len(name)]) + name + manifest
    section = b"\x00" + _leb(len(payload)) + payload
    (tmp_path / "inside.wasm").write_bytes(wasm + section)
    assert custom_section(wasm + section) == manifest
    plugin = load_plugin(tmp_path / "inside.wasm")
    assert plugin.name == "wasm:inside" and plugin.kinds == ("Pod",) and not plugin.error
    with pytest.raises(ManifestError, match="no manifest"):
        load(tmp_path / "nothing.wasm", None)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('name = "Bad Name"\nkinds = ["Pod"]', '"name" must be'),
        ('name = "x"\nkinds = []', '"kinds" must be a non-empty list'),
        ('name = "x"\nkinds = ["Pod"]\nmode = "stream"', '"mode" must be "object" or "batch"'),
        (
            'name = "x"\nkinds = ["Pod"]\n[limits]\nfuel = -1',
            "limits.fuel must be a positive integer",
        ),
        ('name = "x"\nkinds = ["Pod"]\n[limits]\ncpu = 1', "unknown limit 'cpu'"),
        ("name = ", "not a readable TOML manifest"),
    ],
)
def test_bad_manifests_are_one_line_naming_the_field(
    cli, cluster: Path, tmp_path: Path, toml: str, message: str
) -> None:
    shutil.copy(EXAMPLES / "no-docker-hub" / "no-docker-hub.wat", tmp_path / "p.wat")
    (tmp_path / "p.toml").write_text(toml)
    failed = [f for f in scan(cli, tmp_path / "p.wat") if f["rule"] == "plugin-failed"]
    assert (
        len(failed) == 1
        and message in failed[0]["title"]
        and str(tmp_path / "p.toml") in failed[0]["title"]
    )


def test_compiled_modules_are_cached_on_disk(tmp_path: Path) -> None:
    wasm = module_bytes(EXAMPLES / "no-docker-hub" / "no-docker-hub.wat")
    compile_module(wasm, tmp_path)
    (cached,) = tmp_path.glob("*.cwasm")
    stamp = cached.stat().st_mtime_ns
    compile_module(wasm, tmp_path)
    assert cached.stat().st_mtime_ns == stamp  # read back, not compiled again
    cached.write_bytes(b"garbage")
    compile_module(wasm, tmp_path)  # a damaged entry is replaced
    assert cached.read_bytes() != b"garbage"


@pytest.mark.slow
def test_the_c_and_zig_examples_build_with_ziglang_and_run(
    cli, cluster: Path, tmp_path: Path
) -> None:
    for example in ("owner-label", "no-latest"):
        shutil.copytree(EXAMPLES / example, tmp_path / example)
    r = cli("plugin", "build", str(tmp_path / "owner-label"), str(tmp_path / "no-latest"))
    assert r.code == 0, r.err
    found = scan(
        cli,
        tmp_path / "owner-label" / "owner-label.wasm",
        tmp_path / "no-latest" / "no-latest.wasm",
    )
    assert sorted(
        (f["analyzer"], f["rule"], f["subject"]["name"])
        for f in found
        if f["analyzer"].startswith("wasm:")
    ) == [
        ("wasm:no-latest", "image-tag-latest", "nightly"),
        ("wasm:owner-label", "missing-owner-label", "nightly"),
    ]


@pytest.mark.slow
def test_plugin_new_build_test_in_every_language(cli, cluster: Path, tmp_path: Path) -> None:
    for lang in ("wat", "c", "zig"):
        assert (
            cli("plugin", "new", f"mine-{lang}", "--lang", lang, "--dir", str(tmp_path)).code == 0
        )
        built = cli("plugin", "build", str(tmp_path / f"mine-{lang}"))
        assert built.code == 0, built.err
        r = cli(
            "plugin",
            "test",
            str(tmp_path / f"mine-{lang}" / f"mine-{lang}.wasm"),
            str(cluster),
            "-o",
            "json",
        )
        assert r.code == 0, r.err
        assert [(f["rule"], f["subject"]["name"]) for f in r.json()["findings"]] == [
            ("missing-app-name", "nightly"),
            ("missing-app-name", "owned"),
        ]
    assert cli("plugin", "new", "mine-wat", "--dir", str(tmp_path)).code == 2  # exists already
    broken = tmp_path / "broken.wat"
    broken.write_text("(module (func")
    r = cli("plugin", "build", str(broken))
    assert r.code == 1 and "broken.wat" in r.err and "Traceback" not in r.err


def test_plugin_test_reports_a_failing_plugin(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CLUSTER)
    r = cli("plugin", "test", str(MODULES / "trap.wat"), str(path))
    assert r.code == 1 and "plugin wasm:trap failed" in r.out


@given(st.binary(max_size=400))
def test_any_output_bytes_decode_or_are_refused(data: bytes) -> None:
    try:
        found = abi.decode(data, "wasm:p", "c", None)
    except abi.OutputError:
        return
    assert all(f.analyzer == "wasm:p" for f in found)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
        lambda c: (
            st.lists(c, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["findings", "rule", "severity", "title", "subject", "kind", "name", "x"]
                ),
                c,
                max_size=5,
            )
        ),
        max_leaves=30,
    )
)
def test_any_json_output_decodes_or_is_refused(value: object) -> None:
    try:
        found = abi.decode(orjson.dumps(value), "wasm:p", "c", None)
    except abi.OutputError:
        return
    assert all(f.severity in ("error", "warning", "info") and f.rule and f.title for f in found)


def test_a_plugin_wanting_host_directories_needs_permission(tmp_path: Path) -> None:
    src = tmp_path / "fs.wat"
    src.write_text('(module (import "wasi_snapshot_preview1" "fd_close" (func (param i32) (result i32)))'
                   ' (memory (export "memory") 1) (func (export "crumbs_abi_version") (result i32) (i32.const 1))'
                   ' (func (export "alloc") (param i32) (result i32) (i32.const 1024))'
                   ' (func (export "analyze") (param i32 i32) (result i64) (i64.const 0)))')  # fmt: skip
    (tmp_path / "fs.toml").write_text(
        f'name = "fs"\nkinds = ["Pod"]\n[wasi]\ndirs = ["{tmp_path}"]\n'
    )
    from crumbs.plugins.host import Instance, PluginError

    plugin = load_plugin(src)
    assert plugin.module is not None and plugin.manifest is not None
    with pytest.raises(PluginError, match="not allowed"):
        Instance(plugin.module, plugin.manifest)
    Instance(plugin.module, plugin.manifest, allow_dirs=True)
    (tmp_path / "fs.toml").write_text('name = "fs"\nkinds = ["Pod"]\n')
    plain = load_plugin(src)
    assert plain.module is not None and plain.manifest is not None
    Instance(plain.module, plain.manifest)  # WASI without a filesystem is always there


def test_built_module_paths(tmp_path: Path) -> None:
    src = tmp_path / "x.wat"
    src.write_text((EXAMPLES / "no-docker-hub" / "no-docker-hub.wat").read_text())
    assert build(src) == tmp_path / "x.wasm" and (tmp_path / "x.wasm").read_bytes().startswith(
        b"\0asm"
    )


def test_related_objects_come_with_each_object_when_the_manifest_asks(
    cli, tmp_path: Path, store_path: str
) -> None:
    extra = """
---
apiVersion: batch/v1
kind: Job
metadata: {name: nightly-1, namespace: shop, uid: j1, creationTimestamp: "2026-11-20T10:00:00Z",
           ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: cj1, controller: true}]}
spec: {template: {spec: {containers: [{name: n, image: "x:1"}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: shop, uid: s2, creationTimestamp: "2026-11-20T10:00:00Z"}
spec: {selector: {app: other}, ports: [{port: 80}]}
"""
    path = tmp_path / "c.yaml"
    path.write_text(CLUSTER + extra)
    assert cli("ingest", str(path)).code == 0
    from crumbs.analyze.view import ClusterView
    from crumbs.plugins.analyzer import related
    from crumbs.store import Store
    from crumbs.store.source import StoreSource

    with Store.open(store_path) as store:
        view = ClusterView(StoreSource(store.queries), store.queries.latest_time() or 0)
        cronjob = view.get("CronJob", "shop", "nightly")
        job = view.get("Job", "shop", "nightly-1")
        service = view.get("Service", "shop", "other")
        assert cronjob is not None and job is not None and service is not None
        assert [r.key.name for r in related(view, cronjob)] == ["nightly-1"]  # what it owns
        assert [r.key.name for r in related(view, job)] == ["nightly"]  # its owner
        assert [r.key.name for r in related(view, service)] == ["other"]  # the pods it selects
        data = orjson.loads(abi.object_input("2026-11-20T10:00:00Z", job, related(view, job)))
        assert data["object"]["metadata"]["name"] == "nightly-1"
        assert [o["metadata"]["name"] for o in data["related"]] == ["nightly"]
    plugin = tmp_path / "r.wat"
    plugin.write_text((EXAMPLES / "no-docker-hub" / "no-docker-hub.wat").read_text())
    (tmp_path / "r.toml").write_text('name = "r"\nkinds = ["Job"]\nrelated = true\n')
    # the CronJob's docker.io image reaches the plugin only through its Job's related objects
    found = [f for f in scan(cli, plugin) if f["analyzer"] == "wasm:r"]
    assert [(f["rule"], f["subject"]["name"]) for f in found] == [
        ("image-from-docker-hub", "nightly-1")
    ]
    (tmp_path / "r.toml").write_text('name = "r"\nkinds = ["Job"]\nrelated = "yes"\n')
    failed = [f for f in scan(cli, plugin) if f["analyzer"] == "wasm:r"]
    assert len(failed) == 1 and '"related" must be true or false' in failed[0]["title"]


def test_the_real_reason_of_a_trap(cli, cluster: Path) -> None:
    """Issue 12 item 6: wasmtime puts the reason last; the warning carries it."""
    (failed,) = [f for f in scan(cli, MODULES / "divide.wat") if f["rule"] == "plugin-failed"]
    assert "wasm trap: integer divide by zero" in failed["title"], failed["title"]


def test_a_plugin_sleeping_through_wasi_is_stopped_at_its_deadline(cli, cluster: Path) -> None:
    """poll_oneoff is a host call the epoch deadline cannot cut: it answers ENOTSUP at once."""
    started = time.monotonic()
    (failed,) = [f for f in scan(cli, MODULES / "sleeper.wat") if f["rule"] == "plugin-failed"]
    took = time.monotonic() - started
    assert "ran out of time" in failed["title"], failed["title"]
    assert took < 4.0, f"a 5 s sleep was not cut: the scan took {took:.1f}s"


def test_findings_may_name_only_the_declared_kinds(cli, cluster: Path) -> None:
    (failed,) = [f for f in scan(cli, MODULES / "elsewhere.wat") if f["rule"] == "plugin-failed"]
    assert "names a Secret, but the manifest declares only CronJob" in failed["title"]


def test_build_validates_the_module_with_the_validators_words(tmp_path: Path) -> None:
    src = tmp_path / "typo.wat"
    src.write_text(
        """(module
  (memory (export "memory") 1)
  (func (export "crumbs_abi_version") (result i32) (i64.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "analyze") (param i32 i32) (result i64) (i64.const 0)))"""
    )
    with pytest.raises(BuildError, match="type mismatch: expected i32, found i64"):
        build(src)
    assert not src.with_suffix(".wasm").exists()
    shutil.copy(MODULES / "missing.wat", tmp_path / "missing.wat")
    with pytest.raises(BuildError, match="missing export alloc"):
        build(tmp_path / "missing.wat")


def test_plugin_list_says_loadable_only_when_scan_would_load_it(cli, tmp_path: Path) -> None:
    for name in ("wrongabi", "greedy"):
        for ext in (".wat", ".toml"):
            shutil.copy(MODULES / f"{name}{ext}", tmp_path / f"{name}{ext}")
    listed = {
        p["name"]: p
        for p in cli("plugin", "list", "--plugin", str(tmp_path), "-o", "json").json()["plugins"]
    }
    assert not listed["wasm:wrongabi"]["ok"] and "ABI version 2" in listed["wasm:wrongabi"]["error"]
    greedy = listed["wasm:greedy"]
    assert (
        greedy["ok"]
        and greedy["limits"]["memory_mb"] == 256
        and greedy["limits"]["timeout_ms"] == 10_000
    )
    assert any("memory_mb 4,096 capped at the host's 256" in n for n in greedy["notes"])
    assert "capped" in cli("plugin", "list", "--plugin", str(tmp_path)).out


def test_the_host_maxima_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRUMBS_PLUGIN_MAX_MEMORY_MB", "8")
    plugin = load_plugin(MODULES / "greedy.wat")
    assert plugin.manifest is not None and plugin.manifest.limits.memory_mb == 8


def test_a_swapped_cache_entry_is_compiled_again_not_run(tmp_path: Path) -> None:
    """Issue 12 item 15: the cache is authenticated with the host key, and private."""
    from crumbs.plugins.host import Instance, PluginError
    from crumbs.plugins.manifest import Manifest

    cache = tmp_path / "cache"
    good = module_bytes(MODULES / "wrongabi.wat")
    other = module_bytes(MODULES / "trap.wat")
    compile_module(good, cache)
    (good_entry,) = cache.glob("*.cwasm")
    compile_module(other, cache)
    (other_entry,) = set(cache.glob("*.cwasm")) - {good_entry}
    assert cache.stat().st_mode & 0o777 == 0o700
    # the other module's compiled code, whole and with its own valid header, in this one's place
    good_entry.write_bytes(other_entry.read_bytes())
    module = compile_module(good, cache)
    with pytest.raises(PluginError, match="ABI version 2"):  # it is wrongabi, not trap
        Instance(module, Manifest("wrongabi", kinds=("CronJob",)))
    assert good_entry.read_bytes() != other_entry.read_bytes()  # and the entry was rewritten


def test_a_cache_others_may_write_to_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    compile_module(module_bytes(MODULES / "trap.wat"), cache)
    assert list(cache.glob("*.cwasm")) == []
