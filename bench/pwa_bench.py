"""Tablet app figures (issue 4), printed with their goals and ratios:

- app-shell bytes (uncompressed, vendored libraries apart; goal <= 150 KB), two figures: the shell loaded at start
  (every app file the browser fetched from opening the app to the home screen with search ready, after sign-in;
  measured in Chromium, the goal is checked against it) and all precached app files (what the service worker
  stores for offline use, including the screens loaded on first use with import());
- offline cold start to interactive (PIN screen ready) under 4x CPU throttling, server stopped and browser offline
  (goal <= 1.5 s), and PIN-to-search-ready for the officer's roster;
- roster search per keystroke over 5,000 members, 4x CPU throttling ("instant": well under a frame, 16 ms);
- save-to-queued: pressing Save until the queue count shows the record, 4x CPU throttling (goal <= 200 ms);
- syncing 100 queued records over an emulated 1.6 Mbit/s link (150 ms latency) against the time the bytes alone
  need at that bandwidth, measured in the same run (goal <= 1.3x).

Run: .venv/bin/python bench/pwa_bench.py [--members 5000]   (needs Debian's chromium; takes a few minutes)
"""
import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the repository's packages (server, harness) importable

from harness.app_driver import (CHROMIUM, CHROMIUM_ARGS, PWA_DIR, first_sign_in, make_portrait,  # noqa: E402
                        unlock, wait_offline_ready, wait_queue_count)
from harness.pwa_server import LiveServer  # noqa: E402

LINK_BYTES_PER_S = 1_600_000 / 8
LATENCY_MS = 150


def precached() -> dict[str, int]:
    """URL path -> size in bytes of every file the service worker precaches."""
    sys.dont_write_bytecode = True  # no __pycache__ inside the served app directory
    sys.path.insert(0, str(PWA_DIR / "tools"))
    from update_precache import shell_files
    return {path: (PWA_DIR / ("index.html" if path == "/" else path[1:])).stat().st_size for path in shell_files()}


def shell_bytes() -> tuple[int, int, int]:
    """(app bytes, vendored bytes, gzip size of both) of every precached file."""
    app = vendor = packed = 0
    for path, size in precached().items():
        packed += len(gzip.compress((PWA_DIR / ("index.html" if path == "/" else path[1:])).read_bytes(), 9))
        if path.startswith("/vendor/"):
            vendor += size
        else:
            app += size
    return app, vendor, packed


LOADED = """() => [new URL(location.href).pathname,
  ...performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)]"""


def loaded_at_start(browser, server) -> tuple[set[str], set[str], bool]:
    """(precached files the page fetched from opening the app to the home screen ready after the first sign-in,
    files opening a member form added, whether that member's form showed registry hints). The manifest counts
    too: the browser fetches it at start."""
    files = precached()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    first_sign_in(page, server.url)
    start = {p for p in page.evaluate(LOADED) if p in files} | {"/manifest.webmanifest"}
    page.locator("input[type=search][name=q]").fill("038")
    page.locator("[data-member-id]").first.click()
    page.locator("input[name=full_name]").wait_for()
    page.wait_for_timeout(1000)  # what the form loads on opening (registry hints and their stylesheet) settles
    form = {p for p in page.evaluate(LOADED) if p in files} - start
    hinted = page.locator(".reg-hint, #registry-banner").count() > 0
    context.close()
    return start, form, hinted


def report_shell(start: set[str], form: set[str], hinted: bool = False):
    files = precached()
    size = lambda paths: sum(files[p] for p in paths)  # noqa: E731
    app_start = {p for p in start if not p.startswith("/vendor/")}
    line("shell loaded at start, excluding vendor", f"{size(app_start) / 1024:.1f} KB", "<= 150 KB",
         size(app_start) / (150 * 1024))
    print(f"  {len(app_start)} files, sign-in to home screen with search ready; also loaded at start: vendored idb "
          f"{size(start - app_start) / 1024:.1f} KB, and the service worker /sw.js "
          f"{(PWA_DIR / 'sw.js').stat().st_size / 1024:.1f} KB (fetched by the browser, not precached)")
    print(f"  opening the first member's form ({'with' if hinted else 'without'} registry hints) adds "
          f"{size(form) / 1024:.1f} KB ({', '.join(sorted(form)) or 'nothing'})")
    app_all = {p for p in files if not p.startswith("/vendor/")}
    later = sorted(app_all - start - form)
    line("all precached app files, excluding vendor", f"{size(app_all) / 1024:.1f} KB", "(no goal)")
    print(f"  not loaded at start (screens and styles loaded on first use, install icons): "
          f"{size(later) / 1024:.1f} KB in {len(later)} files: "
          f"{', '.join(p.rsplit('/', 1)[-1] for p in later)}")


def mark(page, name: str) -> float:
    return page.evaluate(f"performance.getEntriesByName('{name}')[0]?.startTime ?? -1")


def cold_starts(playwright, server, profile: Path, runs: int) -> tuple[list[float], list[float]]:
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                            headless=True)
    page = context.new_page()
    first_sign_in(page, server.url)
    wait_offline_ready(page)
    context.close()
    server.stop()
    starts, unlocks = [], []
    try:
        for _ in range(runs):
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, offline=True)
            page = context.new_page()
            context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.goto(server.url + "/")
            page.locator("input[name=pin]").wait_for()
            starts.append(mark(page, "fieldkit:interactive"))
            before = page.evaluate("performance.now()")
            unlock(page)
            page.wait_for_function("performance.getEntriesByName('fieldkit:unlocked').length > 0")
            unlocks.append(mark(page, "fieldkit:unlocked") - before)
            context.close()
    finally:
        server.start()
    return starts, unlocks


SAVE = """() => new Promise((resolve) => {
  const count = document.querySelector('[data-queue-count]');
  const started = performance.now();
  const watch = new MutationObserver(() => { watch.disconnect(); resolve(performance.now() - started); });
  watch.observe(count, {childList: true, characterData: true, subtree: true});
  document.querySelector('[data-action=save]').click();
})"""


def save_times(browser, server, photo: Path, runs: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    first_sign_in(page, server.url)
    page.route("**/api/v1/**", lambda route: route.abort())  # keep everything queued
    cdp = context.new_cdp_session(page)
    times = []
    for i in range(runs):
        page.locator("input[type=search][name=q]").fill("")
        page.locator("input[type=search][name=q]").fill("038")  # every member here: a citizen ID prefix
        page.locator("[data-member-id]").nth(i).click()
        page.locator("input[name=full_name]").wait_for()  # the form's code loads on first open, then it shows
        page.locator("input[type=file][name=photo]").set_input_files(str(photo))
        page.locator("#camera[data-mode=preview]").wait_for()
        page.locator("input[type=checkbox][name=consent]").check()
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        times.append(page.evaluate(SAVE))
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        page.locator("input[type=search][name=q]").wait_for()
        wait_queue_count(page, i + 1)
    context.close()
    return times


INJECT = """async (n) => {
  const {app, emit} = await import('/js/app-state.js');
  const {encodePortrait} = await import('/js/photo.js');
  const {BATCH_SIZE} = await import('/js/sync.js');
  const canvas = document.createElement('canvas');
  canvas.width = 900; canvas.height = 1200;
  const ctx = canvas.getContext('2d');
  let photoBytes = 0;
  const items = [];
  for (let i = 0; i < n; i += 1) {
    const g = ctx.createLinearGradient(0, 0, 900, 1200);
    g.addColorStop(0, `hsl(${i * 7 % 360} 40% 60%)`); g.addColorStop(1, '#223');
    ctx.fillStyle = g; ctx.fillRect(0, 0, 900, 1200);
    for (let k = 0; k < 400; k += 1) {  // some detail, as a face and clothes have
      ctx.fillStyle = `rgba(${(k * 37 + i) % 255}, ${(k * 11) % 255}, ${(k * 5 + i * 3) % 255}, 0.5)`;
      ctx.fillRect((k * 97 + i * 13) % 880, (k * 61) % 1180, 24, 18);
    }
    const photo = await encodePortrait(canvas, 900, 1200);
    photoBytes += photo.bytes.byteLength;
    const clientId = crypto.randomUUID();
    const item = {client_id: clientId, member_id: null, visit_id: null, captured_at: new Date().toISOString(),
      location_kind: 'station', photo_sha256: photo.sha256, consent: true,
      fields: {full_name: `Nguyễn Văn Bench ${i}`, date_of_birth: '1960', gender: 'male', citizen_id: '038060' +
        String(100000 + i), hometown: 'Xã Hoằng Phú', permanent_address: 'Số 1 đường Lê Lợi',
        party_join_date: '1985-01-01', party_official_date: '1986-01-01'}};
    items.push(item);
    await app.store.push({clientId, item, label: item.fields.full_name}, photo);
  }
  emit('queue');
  let envelopeBytes = 0;
  for (let s = 0; s < items.length; s += BATCH_SIZE) {
    envelopeBytes += new TextEncoder().encode(JSON.stringify({device_id: app.deviceId,
      items: items.slice(s, s + BATCH_SIZE)})).length;
  }
  return {photoBytes, envelopeBytes};
}"""


def sync_hundred(browser, server, n: int = 100) -> tuple[float, int]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    first_sign_in(page, server.url)
    page.route("**/api/v1/**", lambda route: route.abort())
    sizes = page.evaluate(INJECT, n)
    wait_queue_count(page, n)
    page.unroute("**/api/v1/**")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS,
             "downloadThroughput": LINK_BYTES_PER_S, "uploadThroughput": LINK_BYTES_PER_S})
    page.wait_for_function("() => !document.querySelector('[data-action=sync]').disabled")
    started = time.perf_counter()
    page.locator("[data-action=sync]").click()
    wait_queue_count(page, 0, timeout=15 * 60 * 1000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed, sizes["photoBytes"] + sizes["envelopeBytes"]


SEARCH = """async () => {
  const {buildIndex, search} = await import('/js/roster-search.js');
  const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ'];
  const middle = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh', 'Thanh', 'Quang'];
  const given = ['An', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hải', 'Hoà', 'Khánh', 'Long', 'Mai', 'Nam', 'Thuỷ'];
  const members = Array.from({length: 5000}, (_, i) => ({id: i, member_code: `TH${i}`,
    full_name: `${family[i % 10]} ${middle[(i >> 2) % 7]} ${given[(i >> 4) % 12]}`,
    citizen_id: String(38000000000 + i * 7919).padStart(12, '0')}));
  let started = performance.now();
  const index = buildIndex(members);
  const build = performance.now() - started;
  const queries = ['n', 'ng', 'ngu', 'nguy', 'nguye', 'nguyen', 'nguyen t', 'nguyen th', 'nguyen thi', 'nguyen thi h',
                   'nguyen thi hoa', 'thuy', '0380', 'Thủy'];
  started = performance.now();
  for (const q of queries) search(index, q);
  return {build, perQuery: (performance.now() - started) / queries.length};
}"""


def search_speed(browser, server) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/")
    page.locator("[data-action=login]").wait_for()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    result = page.evaluate(SEARCH)
    context.close()
    return result


def line(name: str, value: str, goal: str, ratio: float | None = None):
    print(f"{name:<44} {value:>14}   goal {goal:<10}" + (f" ratio {ratio:.2f}" if ratio is not None else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000, help="demo province size (default 5000)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    app, vendor, packed = shell_bytes()

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp = Path(tmp)
        server = LiveServer(tmp / "data")
        server.data_dir.mkdir()
        server.prepare(members=args.members)
        server.start()
        roster = server.query("SELECT COUNT(*) FROM members m JOIN units c ON c.id = m.unit_id "
                              "JOIN users u ON c.path LIKE (SELECT path FROM units WHERE id = u.unit_id) || '%' "
                              "WHERE u.username = 'officer'")[0][0]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            report_shell(*loaded_at_start(browser, server))
            print(f"  precached in all: app {app / 1024:.1f} KB + vendored idb {vendor / 1024:.1f} KB; "
                  f"gzip-9 of both {packed / 1024:.1f} KB")
            starts, unlocks = cold_starts(playwright, server, tmp / "profile", args.runs)
            cold = statistics.median(starts) / 1000
            line("offline cold start to interactive, 4x CPU", f"{cold:.3f} s", "<= 1.5 s", cold / 1.5)
            print(f"  runs (ms): {', '.join(f'{t:.0f}' for t in starts)}")
            print(f"  PIN to search ready, roster of {roster} members: median "
                  f"{statistics.median(unlocks):.0f} ms (PBKDF2 + decrypt + index)")
            speed = search_speed(browser, server)
            line("search per keystroke, 5,000 members, 4x CPU", f"{speed['perQuery']:.1f} ms", "instant")
            print(f"  index built in {speed['build']:.0f} ms")
            saves = save_times(browser, server, make_portrait(tmp / "p.jpg"), args.runs)
            save = statistics.median(saves)
            line("save-to-queued, 4x CPU", f"{save:.0f} ms", "<= 200 ms", save / 200)
            print(f"  runs (ms): {', '.join(f'{t:.0f}' for t in saves)}")
            elapsed, sent = sync_hundred(browser, server)
            limit = sent / LINK_BYTES_PER_S
            line("sync 100 records at 1.6 Mbit/s", f"{elapsed:.1f} s", "<= 1.3x", elapsed / limit)
            print(f"  {sent / 1e6:.2f} MB to send: {limit:.1f} s at the link's bandwidth (latency {LATENCY_MS} ms)")
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
