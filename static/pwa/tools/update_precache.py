"""Regenerate the precache list in sw.js: every app-shell file with its SHA-256, and a version derived
from them, so any change to the app ships a new service worker (its bytes change) and a new cache name.

Run after changing anything under static/pwa:  python static/pwa/tools/update_precache.py
`--check` exits 1 when sw.js is out of date (tests/e2e/test_precache.py runs the same check).
"""
import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

PWA_DIR = Path(__file__).resolve().parent.parent
# What the shell is made of; tools/ and the worker itself are not part of it.
PATTERNS = ["index.html", "manifest.webmanifest", "css/*.css", "js/*.js", "vendor/**/*.js", "vendor/**/*.wasm", "icons/*.png"]
BLOCK = re.compile(r"(// BEGIN PRECACHE[^\n]*\n)(.*?)(// END PRECACHE)", re.S)


def shell_files(root: Path = PWA_DIR) -> dict[str, str]:
    """URL path → SHA-256 hex of every shell file ("/" stands for index.html, as the server serves it)."""
    files = {}
    for pattern in PATTERNS:
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root).as_posix()
            files["/" if rel == "index.html" else f"/{rel}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(files.items()))


def version_of(files: dict[str, str]) -> str:
    """The version: a hash over the file list and contents."""
    listing = "".join(f"{path} {digest}\n" for path, digest in sorted(files.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def render_block(files: dict[str, str]) -> str:
    return (f"const VERSION = '{version_of(files)}';\n"
            f"const FILES = {json.dumps(files, indent=2)};\n")


def current_block(root: Path = PWA_DIR) -> str:
    match = BLOCK.search((root / "sw.js").read_text(encoding="utf-8"))
    if not match:
        raise SystemExit("sw.js has no PRECACHE block")
    return match.group(2)


def update(root: Path = PWA_DIR) -> bool:
    """Rewrite the block in sw.js; returns True when it changed."""
    sw = root / "sw.js"
    text = sw.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m.group(1) + render_block(shell_files(root)) + m.group(3), text)
    if new != text:
        sw.write_text(new, encoding="utf-8")
    return new != text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if sw.js is out of date")
    parser.add_argument("--dir", type=Path, default=PWA_DIR, help="the app directory (default: this app)")
    args = parser.parse_args(argv)
    if args.check:
        ok = current_block(args.dir) == render_block(shell_files(args.dir))
        print("sw.js precache is up to date" if ok else "sw.js precache is out of date: run update_precache.py")
        return 0 if ok else 1
    changed = update(args.dir)
    print(f"version {version_of(shell_files(args.dir))} ({'updated' if changed else 'unchanged'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
