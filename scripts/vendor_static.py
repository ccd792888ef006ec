"""Copy the browser libraries pinned in package.json from node_modules into web/static/vendor.

    npm ci                          # installs the exact versions of package-lock.json
    python scripts/vendor_static.py # copies them, version in the file name, and rewrites the manifest

Each vendored file is named ``<name>-<version>.<suffix>`` (``floating-ui.dom-1.8.0.umd.min.js``);
``web/static/vendor/manifest.json`` maps the package to its file, and the app reads file names
from it, so a refresh needs no template edit. Old versions are removed. ``--check`` only reports
whether web/static/vendor matches node_modules (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "web" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# package -> (file inside the package, vendored name stem, suffix)
LIBRARIES = {
    "@floating-ui/core": ("dist/floating-ui.core.umd.min.js", "floating-ui.core", "umd.min.js"),
    "@floating-ui/dom": ("dist/floating-ui.dom.umd.min.js", "floating-ui.dom", "umd.min.js"),
}
LICENSES = {"@floating-ui/dom": "floating-ui.LICENSE.txt"}


def pinned_versions() -> dict[str, str]:
    pkg = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})}
    return {name: deps[name] for name in LIBRARIES}


def installed_version(name: str) -> str:
    meta = ROOT / "node_modules" / name / "package.json"
    if not meta.exists():
        raise SystemExit(f"error: {meta.relative_to(ROOT)} is missing; run `npm ci` first")
    return json.loads(meta.read_text(encoding="utf-8"))["version"]


def plan() -> dict[str, dict[str, str]]:
    pins = pinned_versions()
    manifest: dict[str, dict[str, str]] = {}
    for name, (source, stem, suffix) in LIBRARIES.items():
        version = installed_version(name)
        if version != pins[name]:
            raise SystemExit(
                f"error: package.json pins {name} {pins[name]} but node_modules has {version}; run `npm ci`"
            )
        manifest[name] = {"version": version, "file": f"{stem}-{version}.{suffix}", "source": source}
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, copy nothing")
    args = parser.parse_args(argv)
    manifest = plan()
    if args.check:
        current = json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.exists() else {}
        stale = [
            name
            for name, entry in manifest.items()
            if current.get(name) != entry
            or (VENDOR / entry["file"]).read_bytes()
            != (ROOT / "node_modules" / name / entry["source"]).read_bytes()
        ]
        for name in stale:
            print(f"stale: {name} (run python scripts/vendor_static.py)", file=sys.stderr)
        return 1 if stale else 0
    VENDOR.mkdir(parents=True, exist_ok=True)
    keep = {"manifest.json", "README.md", *LICENSES.values()}
    for name, entry in manifest.items():
        keep.add(entry["file"])
        shutil.copyfile(ROOT / "node_modules" / name / entry["source"], VENDOR / entry["file"])
        print(f"{name} {entry['version']} -> web/static/vendor/{entry['file']}")
    for name, license_name in LICENSES.items():
        shutil.copyfile(ROOT / "node_modules" / name / "LICENSE", VENDOR / license_name)
    for old in VENDOR.iterdir():
        if old.name not in keep:
            old.unlink()
            print(f"removed web/static/vendor/{old.name}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
