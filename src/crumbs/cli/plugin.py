"""``crumbs plugin``: write, build, try and list WebAssembly analyzers."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, quiet
from crumbs.cli.progress import Progress
from crumbs.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from crumbs.report.text import clean, console

plugin_app = typer.Typer(
    help="WebAssembly analyzers: new (from a template), build, test (on objects), list.",
    no_args_is_help=True,
)


@plugin_app.command("new")
def plugin_new(
    name: str = typer.Argument(..., help="The plugin's name (the analyzer is wasm:NAME)."),
    lang: str = typer.Option(
        "wat", "--lang", help="wat (no toolchain), c or zig (the ziglang package)."
    ),
    directory: str = typer.Option(".", "--dir", help="Where to create NAME/."),
) -> int:
    """A new plugin directory: a working rule in the language chosen, and its manifest."""
    from crumbs.plugins.build import new

    target = new(name, lang, Path(directory))
    console().print(
        f"created {clean(target)}/ — next: crumbs plugin build {clean(target)} && crumbs plugin test {clean(target)} FILE",
        highlight=False,
    )
    return EXIT_OK


@plugin_app.command("build")
def plugin_build(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(
        None, help="Plugin directories or sources (default: the current directory)."
    ),
) -> int:
    """Compile plugin sources (.wat, .c, .zig) into .wasm modules beside them."""
    from crumbs.plugins.build import build, sources

    found = [s for p in paths or ["."] for s in sources(Path(p))]
    if not found:
        raise UsageError("no plugin source (.wat, .c, .zig) there")
    out = console()
    with Progress("build", "modules", quiet=quiet(ctx)) as progress:
        for source in found:
            progress.advance(0, what=f"building {source.name}")
            module = build(source)
            progress.advance()
            out.print(f"built {clean(module)} ({module.stat().st_size:,} bytes)", highlight=False)
    return EXIT_OK


@plugin_app.command("test")
def plugin_test(
    plugin: str = typer.Argument(..., help="The plugin: a .wasm or .wat module, or its directory."),
    files: list[str] = typer.Argument(
        ..., help="Objects to run it on: files or directories, as `crumbs ingest` reads them."
    ),
    allow_dirs: bool = typer.Option(
        False, "--plugin-allow-dirs", help="Let it read the directories its manifest asks for."
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Run one plugin on objects and print its findings (exit 3 if one is an error, 1 if the plugin failed)."""
    from crumbs.analyze.scan import Options, run
    from crumbs.analyze.view import ClusterView
    from crumbs.cli.ingest import STORED
    from crumbs.formats.reader import read_paths
    from crumbs.model import Problem, Severity
    from crumbs.plugins.loader import load_all
    from crumbs.report import findings as report
    from crumbs.store import Store
    from crumbs.store.source import StoreSource

    loaded = load_all([plugin], allow_dirs, use_dirs=False)
    if len(loaded) != 1:
        raise UsageError(f"{plugin}: {len(loaded)} plugins there; name one module")
    analyzer = loaded[0]
    with tempfile.TemporaryDirectory(prefix="crumbs-plugin-") as tmp:
        store = Store.open(os.path.join(tmp, "test.db"))
        err = console(stderr=True)
        with store, store.writer() as writer:
            for rec in read_paths(files):
                if isinstance(rec, Problem):
                    err.print(f"[red]rejected[/] {clean(str(rec))}", highlight=False)
                elif type(rec) in STORED:
                    writer.add(rec)  # type: ignore[arg-type]
            writer.flush()
            at = store.queries.latest_time()
            if at is None:
                raise UsageError("no Kubernetes object in those files")
            found = run(
                ClusterView(StoreSource(store.queries), at), [analyzer], Options(causes=False)
            )
    if output is Output.json:
        emit_json(report.as_json(at, found))
    else:
        out = console()
        for line in report.as_text(at, found):
            out.print(line)
    if any(f.rule == "plugin-failed" and f.analyzer == analyzer.name for f in found):
        return EXIT_ERROR
    return EXIT_FINDINGS if any(f.severity == Severity.ERROR for f in found) else EXIT_OK


@plugin_app.command("list")
def plugin_list(
    plugin: list[str] = typer.Option(
        None, "--plugin", help="Also this module or directory (repeatable)."
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """The plugins that scan runs: name, version, kinds, mode, where, and whether they load."""
    from crumbs.plugins.loader import load_all, plugin_dirs

    rows: list[dict[str, Any]] = []
    for a in load_all(plugin or None):
        m = a.manifest
        problem = a.check()  # loadable means: scan would instantiate and call it
        rows.append({
            "name": a.name, "version": m.version if m else None, "kinds": list(a.kinds),
            "mode": m.mode if m else None, "path": str(a.path), "ok": not problem, "error": problem or None,
            "limits": asdict(m.limits) if m else None, "notes": a.notes,
        })  # fmt: skip
    if output is Output.json:
        emit_json({"directories": [str(d) for d in plugin_dirs()], "plugins": rows})
        return EXIT_OK
    out = console()
    if not rows:
        out.print(
            f"no plugins (looked in {clean(', '.join(str(d) for d in plugin_dirs())) or 'no directory'})",
            style="dim",
        )
    for r in rows:
        state = "[green]ok[/]" if r["ok"] else f"[red]broken[/] {clean(str(r['error']))}"
        out.print(
            f"[bold]{clean(r['name'])}[/] {clean(r['version'] or '')} {state}  [dim]{r['mode'] or ''} ({clean(', '.join(r['kinds']))}) {clean(r['path'])}[/]"
        )
        for note in r["notes"]:
            out.print(f"    [yellow]{clean(note)}[/]")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.add_typer(plugin_app, name="plugin")
