"""The service worker's precache list (static/pwa/sw.js) must match the app's files: its version is derived from
their content, so a change that forgets to regenerate it would ship code the worker never caches (or refuses
to install). Run static/pwa/tools/update_precache.py after changing the app."""
import importlib.util
import re
import shutil
import sys

from app_driver import PWA_DIR

sys.dont_write_bytecode = True  # no __pycache__ inside the served app directory
spec = importlib.util.spec_from_file_location("update_precache", PWA_DIR / "tools" / "update_precache.py")
update_precache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_precache)


def test_sw_precache_block_is_up_to_date_with_the_app_files():
    assert update_precache.main(["--check"]) == 0, "run: python static/pwa/tools/update_precache.py"


def test_every_module_the_shell_loads_is_precached():
    files = update_precache.shell_files()
    for asset in re.findall(r'(?:href|src)="(/[^"]+)"', (PWA_DIR / "index.html").read_text(encoding="utf-8")):
        assert asset in files, asset
    for path in (PWA_DIR / "js").glob("*.js"):
        for target in re.findall(r"from '(\.{1,2}/[^']+)'|import\('(\.{1,2}/[^']+)'\)", path.read_text()):
            resolved = (path.parent / (target[0] or target[1])).resolve().relative_to(PWA_DIR).as_posix()
            assert f"/{resolved}" in files, f"{path.name} imports {resolved}, which is not precached"


def test_any_change_to_a_shell_file_changes_the_version(tmp_path):
    copy = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, copy)
    before = update_precache.version_of(update_precache.shell_files(copy))
    (copy / "js" / "ui.js").write_text((copy / "js" / "ui.js").read_text() + "\n// changed\n")
    assert update_precache.main(["--check", "--dir", str(copy)]) == 1
    assert update_precache.main(["--dir", str(copy)]) == 0
    assert update_precache.version_of(update_precache.shell_files(copy)) != before
    assert update_precache.main(["--check", "--dir", str(copy)]) == 0
