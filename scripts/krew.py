"""Build the krew plugin: one archive per platform and its manifest (``make krew``).

Each archive holds ``kubectl-crumbs`` (deploy/krew/kubectl-crumbs, a POSIX sh launcher),
Crumbs' own wheel, and for each Python version asked for, every dependency's wheel for that
platform (``wheels/cp311/…``), pinned to what the building environment runs: the first
``kubectl crumbs`` makes a virtual environment from them alone, without a package index.
The manifest (``crumbs.yaml``, krew's ``Plugin``, apiVersion
``krew.googlecontainertools.github.com/v1alpha2``) gets each archive's sha256 and the URI it
will be published at (``--base-uri``). Try it before publishing:

    kubectl krew install --manifest=dist/krew/crumbs.yaml \\
        --archive=dist/krew/kubectl-crumbs-v0.1.0-linux-amd64.tar.gz

Usage: python scripts/krew.py [--platform linux/amd64 ...] [--python 3.11 ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "deploy" / "krew" / "kubectl-crumbs"
PLATFORM_TAGS = {
    "linux/amd64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"],
    "linux/arm64": ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64", "linux_aarch64"],
    "darwin/amd64": ["macosx_10_9_x86_64", "macosx_10_12_x86_64", "macosx_11_0_x86_64"],
    "darwin/arm64": ["macosx_11_0_arm64", "macosx_12_0_arm64", "macosx_14_0_arm64"],
}  # fmt: skip
"""pip's platform tags a wheel for each krew platform may carry (pip takes any of them)."""
HOMEPAGE = "https://github.com/crumbs-dev/crumbs"
"""Where the project is published (--homepage to change it; the archives' URIs follow it)."""
DEFAULT_PLATFORMS = ("linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64")
DEFAULT_PYTHONS = ("3.11", "3.12")


def _run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(
            f"krew: {' '.join(argv[:4])}…: {done.stderr.strip().splitlines()[-1:] or done.returncode}"
        )


def _project() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        "name": meta["name"],
        "version": meta["version"],
        "description": meta.get("description", ""),
    }


def _pins(work: Path) -> Path:
    """The running environment's versions of every installed distribution, as constraints."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    pins = work / "constraints.txt"
    pins.write_text("\n".join(line for line in frozen.splitlines() if "==" in line) + "\n")
    return pins


def _download(wheel: Path, platform: str, python: str, pins: Path, built: Path, into: Path) -> None:
    """Every dependency's wheel for the platform and Python. A dependency published only as a
    source archive (drain3) is built here into a wheel (pure Python: any platform's) and
    offered to pip beside the index; a compiled one without a wheel is an error naming it."""
    tags = [a for t in PLATFORM_TAGS[platform] for a in ("--platform", t)]
    built.mkdir(exist_ok=True)
    for _ in range(10):
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--only-binary=:all:", *tags,
             "--python-version", python, "--implementation", "cp", "-c", str(pins),
             "--find-links", str(built), "-d", str(into), str(wheel)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode == 0:
            return
        said = done.stdout + done.stderr  # pip explains a conflict on stdout
        missing = re.search(r"No matching distribution found for ([A-Za-z0-9_.\-]+)", said) or re.search(
            r"no matching distributions available for your environment:\s+([A-Za-z0-9_.\-]+)", said
        )  # fmt: skip
        if missing is None:
            sys.exit(f"krew: pip download for {platform}, Python {python}: {said.strip()[-500:]}")
        name = missing.group(1)
        pin = next((line for line in pins.read_text().splitlines()
                    if line.lower().split("==")[0].replace("_", "-") == name.lower().replace("_", "-")), name)  # fmt: skip
        _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(built), pin)
        pure = [w.name.lower() for w in built.glob("*-none-any.whl")]
        if not any(w.startswith(name.lower().replace("-", "_")) for w in pure):
            sys.exit(f"krew: {name} has no wheel for {platform} and does not build into a pure one")
    sys.exit(
        f"krew: pip download for {platform}, Python {python}: too many source-only dependencies"
    )


def build(
    platforms: list[str], pythons: list[str], out: Path, base_uri: str, homepage: str
) -> Path:
    meta = _project()
    version = meta["version"]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _run(
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(work / "own"),
            str(ROOT),
        )
        (wheel,) = (work / "own").glob("*.whl")
        pins = _pins(work)
        entries = []
        for platform in platforms:
            if platform not in PLATFORM_TAGS:
                sys.exit(f"krew: unknown platform {platform!r} (known: {', '.join(PLATFORM_TAGS)})")
            os_, arch = platform.split("/")
            archive = out / f"kubectl-crumbs-v{version}-{os_}-{arch}.tar.gz"
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(LAUNCHER, "kubectl-crumbs")
                tar.add(ROOT / "LICENSE", "LICENSE")
                tar.add(wheel, wheel.name)
                for python in pythons:
                    tag = "cp" + python.replace(".", "")
                    wheels = work / platform.replace("/", "-") / tag
                    _download(wheel, platform, python, pins, work / "built", wheels)
                    for w in sorted(wheels.glob("*.whl")):
                        if w.name != wheel.name:
                            tar.add(w, f"wheels/{tag}/{w.name}")
            digest = hashlib.sha256(archive.read_bytes()).hexdigest()
            entries.append({
                "selector": {"matchLabels": {"os": os_, "arch": arch}},
                "uri": f"{base_uri.rstrip('/')}/{archive.name}",
                "sha256": digest,
                "bin": "kubectl-crumbs",
                "files": [{"from": "*", "to": "."}],
            })  # fmt: skip
            print(f"{archive}  sha256 {digest}")
    manifest = {
        "apiVersion": "krew.googlecontainertools.github.com/v1alpha2",
        "kind": "Plugin",
        "metadata": {"name": "crumbs"},
        "spec": {
            "version": f"v{version}",
            "homepage": homepage,
            "shortDescription": "What changed, who changed it, and why it broke",
            "description": (
                "Crumbs keeps a timeline of every object revision (watch, snapshots, dumps, "
                "audit logs, Helm releases), reconstructs who changed what from what the API "
                "keeps, and ranks the changes most likely to have caused each problem. The "
                "first run installs Crumbs from the archive's wheels into a virtual environment "
                "beside the plugin (Python 3.11 or 3.12 needed; no network)."
            ),
            "caveats": "Needs Python 3.11 or 3.12 on PATH (or CRUMBS_PYTHON). The first run takes ~30 s.",
            "platforms": entries,
        },
    }
    path = out / "crumbs.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, width=100))
    print(path)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--platform", action="append", help="os/arch (default: linux and darwin, amd64 and arm64)"
    )
    p.add_argument(
        "--python",
        action="append",
        help="Python versions whose wheels to carry (default 3.11, 3.12)",
    )
    p.add_argument("--out", type=Path, default=ROOT / "dist" / "krew")
    p.add_argument("--homepage", default=HOMEPAGE, help="The project's page, in the manifest")
    p.add_argument(
        "--base-uri",
        default=None,
        help="Where the archives are published (default: the homepage's release of this version)",
    )
    args = p.parse_args()
    base = args.base_uri or f"{args.homepage}/releases/download/v{_project()['version']}"
    build(
        args.platform or list(DEFAULT_PLATFORMS),
        args.python or list(DEFAULT_PYTHONS),
        args.out,
        base,
        args.homepage,
    )


if __name__ == "__main__":
    main()
