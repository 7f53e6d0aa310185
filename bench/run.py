"""Dashboard performance benchmark (run by hand: ``make bench`` or ``.venv/bin/python bench/run.py``).

Not a test. In ONE run it starts two Streamlit servers with the same flags -- the atlas
(dashboard/app.py) and the bare baseline (bench/baseline_app.py: an empty st_folium map, a trivial
select_slider and the sentinel) -- warms each once, then interleaves N measurements of each:

* map drawn: from navigation until the map is drawn (app: a path in
  ``.leaflet-map-pane svg > g > path`` inside the map iframe; baseline: ``.leaflet-container`` in
  the iframe): the issue's "page ready".
* page ready: until the map is drawn and the page's last element, the ``atlas-ready`` sentinel, is
  on the page (on Explore it comes with the run that follows the map-first run). Every measurement
  opens a new page (= a new Streamlit session) in a browser context whose HTTP cache was warmed once.
* rerun time: app -- from the key press that moves the era control (a radio group) until the range path's ``d``
  (Leaflet's default overlay pane) changed in the map iframe, the page's per-era blocks (legend,
  key figures, share link: ``data-atlas-era-panel``) show the new era, the address bar changed, and
  the script state is back to ``notRunning`` after the server's ``script_finished`` arrived; baseline -- the same key press on
  the baseline's trivial select_slider, until then. Also reported from the moment the browser sent
  the rerun request (Streamlit's slider debounces key presses).
* bytes: websocket bytes the browser received during a page load and a rerun, for both apps.
* map payload: the st_folium component's ``json_args`` for the Explore page, from an ``AppTest``
  run of dashboard/app.py (the real page, default layers; in a subprocess), split by argument.

Times are taken inside the page (``performance.timeOrigin + performance.now()``, recorded by
MutationObservers the moment a condition becomes true), so Playwright's polling adds nothing;
wall-clock times seen from Python are kept in the JSON as a cross-check. The machine is noisy:
compare the app/baseline ratios, which are measured under the same conditions in the same run.

Offline: Chromium gets a host-resolver rule that resolves nothing but 127.0.0.1 and a dead proxy
for everything that is not loopback, so no request can leave the machine (request interception,
as in the e2e tests, would disable the HTTP cache and slow every request down). Attempted
non-local requests are counted and reported.

Results: bench/results/<timestamp>.json (gitignored) and a Markdown table on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from _common import (  # noqa: E402
    APP, BASELINE_APP, REPO_ROOT, Server, cpu_delta, descendant_cpu, machine_info, md_table, median,
    is_local, percentile, start_server, write_results,
)

CHROMIUM = Path(os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    # Offline without request interception: nothing resolves except 127.0.0.1, and anything that
    # is not loopback (e.g. a literal IP) goes to a proxy that does not exist (Chromium always
    # bypasses proxies for loopback addresses).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]  # fmt: skip
STEP_TIMEOUT_MS = 60_000
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PAGE_READY_TARGET = 1.3
RERUN_TARGET = 1.5
PAYLOAD_TARGET_KB = 400

# Installed in the top frame before any page script runs (Playwright does not run init scripts in
# the component iframe's document, so the top frame watches that same-origin document itself). It
# records key presses, websocket sends, script_finished arrivals, the script state
# (data-test-script-state), the sentinel, and in the map iframe when Leaflet's container and the
# first path appear and every change of the overlay-pane paths' ``d``. Times are absolute
# (timeOrigin + now) and taken by MutationObserver callbacks, i.e. right after the DOM changed.
INIT_SCRIPT = r"""
(() => {
  if (window !== window.top || document.__benchInstalled) return;
  document.__benchInstalled = true;
  const now = () => performance.timeOrigin + performance.now();
  const b = window.__bench = {marks: {}, keys: [], sends: [], finished: [], states: [], dchanges: [],
    panels: [], urls: [], origin: performance.timeOrigin};
  const mark = (name) => { if (!(name in b.marks)) b.marks[name] = now(); };
  document.addEventListener('keydown', () => b.keys.push(now()), true);
  // Address-bar changes (Streamlit's, and the era control's own: dashboard/ui/era_control/index.js).
  for (const name of ['pushState', 'replaceState']) {
    const native = history[name];
    history[name] = function (...args) { const r = native.apply(this, args); b.urls.push({t: now(), url: location.href}); return r; };
  }
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { b.sends.push(now()); return send.call(this, data); };
  // Arrival of each ForwardMsg "script_finished" (top-level field 6, a varint; 2 = finished early
  // for a rerun, ignored). Fast runs can go running -> notRunning within one React render, so the
  // script-state attribute alone may never show "running"; this does not depend on rendering.
  const finished = (buf) => {
    const bytes = new Uint8Array(buf);
    let i = 0;
    const varint = () => { let v = 0, m = 1, c; do { c = bytes[i++]; v += (c & 127) * m; m *= 128; } while (c & 128 && i < bytes.length); return v; };
    while (i < bytes.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) { const v = varint(); if (field === 6) return v !== 2; }
      else if (wire === 2) { const length = varint(); i += length; }  // not i += varint(): i is read first
      else if (wire === 1) { i += 8; }
      else if (wire === 5) { i += 4; }
      else return false;
    }
    return false;
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer && finished(event.data)) b.finished.push(now());
      });
    }
  };
  let last = null, lastPanels = null;
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app) {
      const s = app.getAttribute('data-test-script-state');
      if (s !== last) { last = s; b.states.push({s: s, t: now()}); }
    }
    // Which eras the page's per-era blocks (legend, key figures, share link) show.
    const shown = new Set(Array.from(document.querySelectorAll('[data-atlas-era-panel]:not([hidden])'),
                                     (p) => p.getAttribute('data-atlas-era-panel')));
    const panels = Array.from(shown).sort().join(',');
    if (panels !== lastPanels) { lastPanels = panels; b.panels.push({t: now(), eras: panels, n: shown.size}); }
    if (!('sentinel' in b.marks)) {
      for (const md of document.querySelectorAll('[data-testid="stMarkdown"]')) {
        if (md.textContent.trim() === 'atlas-ready') { mark('sentinel'); break; }
      }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-test-script-state', 'hidden']});
  const watched = new WeakSet();
  const watchMap = () => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    let doc = null;
    try { doc = frame && frame.contentDocument; } catch (e) { return; }
    if (!doc || watched.has(doc) || !doc.location || doc.location.href === 'about:blank') return;
    watched.add(doc);
    let lastD = null;
    const checkMap = () => {
      if (doc.querySelector('.leaflet-container')) mark('leaflet');
      if (doc.querySelector('.leaflet-map-pane svg > g > path')) mark('paths');
      // The era's range is drawn in Leaflet's default overlay pane. Other layers may share the
      // pane (e.g. point symbols), so watch the d of every path there, not just the first.
      const paths = doc.querySelectorAll('.leaflet-overlay-pane svg path');
      let d = paths.length ? '' : null;
      for (const p of paths) d += (p.getAttribute('d') || '') + '|';
      if (d !== lastD) { lastD = d; b.dchanges.push({t: now(), n: paths.length}); }
    };
    new MutationObserver(checkMap).observe(doc, {subtree: true, childList: true, attributes: true,
      attributeFilter: ['d']});
    checkMap();
  };
  setInterval(watchMap, 5);
})();
"""

# Page ready: the map mark and the sentinel are both recorded. Returns ms since navigation start.
READY_JS = r"""
(kind) => {
  const b = window.__bench;
  if (!b) return false;
  const mapMark = b.marks[kind === 'app' ? 'paths' : 'leaflet'];
  const sentinel = b.marks.sentinel;
  if (mapMark === undefined || sentinel === undefined) return false;
  return {ready: Math.max(mapMark, sentinel) - b.origin, map: mapMark - b.origin, sentinel: sentinel - b.origin};
}
"""

# Rerun done: after the last key press the browser sent the rerun request, the server's
# script_finished arrived, the script state shown is notRunning (if the page rendered "running" in
# between, the time it went back to notRunning counts), the sentinel is on the page, and (app) the
# overlay path's d changed and, on a page with per-era blocks (Explore), only the new era's blocks
# are shown and the address bar changed. Returns ms since the key press and since the request was sent.
RERUN_JS = r"""
(kind) => {
  const b = window.__bench;
  if (!b.keys.length) return false;
  const k = b.keys[b.keys.length - 1];
  const send = b.sends.find((t) => t >= k);
  if (send === undefined) return false;
  const fin = b.finished.find((t) => t >= send);
  if (fin === undefined) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const sentinel = Array.from(document.querySelectorAll('[data-testid="stMarkdown"]'))
    .some((md) => md.textContent.trim() === 'atlas-ready');
  if (!sentinel) return false;
  let done = fin;
  const shown = b.states.filter((e) => e.t >= send);
  const ran = shown.findIndex((e) => e.s !== 'notRunning');
  if (ran >= 0) {
    const back = shown.slice(ran).find((e) => e.s === 'notRunning');
    if (!back) return false;
    done = Math.max(done, back.t);
  }
  let end = done, dChanged = null, panelsSwitched = null, addressChanged = null;
  if (kind === 'app') {
    const d = b.dchanges.find((e) => e.t >= k);
    if (!d) return false;
    dChanged = d.t - k;
    end = Math.max(done, d.t);
    if (b.expectPanels) {  // the Explore page: its per-era blocks and the address bar follow the era too
      const before = b.panelsAtKey;
      const p = b.panels.find((e) => e.t >= k && e.n === 1 && e.eras !== before);
      const u = b.urls.find((e) => e.t >= k);
      if (!p || !u) return false;
      panelsSwitched = p.t - k;
      addressChanged = u.t - k;
      end = Math.max(end, p.t, u.t);
    }
  }
  return {from_key: end - k, from_send: end - send, debounce: send - k, script_done: done - k,
          finished_arrived: fin - k, running_rendered: ran >= 0, d_changed: dChanged,
          panels_switched: panelsSwitched, address_changed: addressChanged};
}
"""

RESET_RERUN_JS = ("() => { const b = window.__bench; b.keys = []; b.sends = []; b.finished = []; b.states = [];"
                  " b.dchanges = []; b.urls = [];"
                  " b.expectPanels = !!document.querySelector('[data-atlas-era-panel]');"
                  " b.panelsAtKey = b.panels.length ? b.panels[b.panels.length - 1].eras : null; b.panels = []; }")


class Target:
    """One server, its browser context (warm HTTP cache), and a long-lived page for reruns."""

    def __init__(self, kind: str, server: Server, context) -> None:
        self.kind = kind  # "app" | "baseline"
        self.server = server
        self.context = context
        self.rerun_page = None
        self.position = 4  # slider index: both sliders start on their last (5th) option
        self.direction = -1
        self.external_requests: list[str] = []
        self.page_errors: list[str] = []
        self.loads: list[dict] = []
        self.reruns: list[dict] = []

    def _watch(self, page, counter: dict) -> None:
        def on_websocket(ws) -> None:
            def on_frame(payload) -> None:
                if counter.get("open", True):
                    counter["bytes"] += len(payload)
                    counter["frames"] += 1
                    counter["largest"] = max(counter["largest"], len(payload))
            ws.on("framereceived", on_frame)

        def on_request(request) -> None:
            if not is_local(request.url):
                self.external_requests.append(request.url)

        page.on("websocket", on_websocket)
        page.on("request", on_request)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def measure_load(self) -> dict:
        page = self.context.new_page()
        counter = {"bytes": 0, "frames": 0, "largest": 0}
        self._watch(page, counter)
        browser_before = descendant_cpu(os.getpid(), "chrom")
        server_before = self.server.cpu_seconds()
        start = time.perf_counter()
        try:
            page.goto(self.server.url + "/", wait_until="commit", timeout=STEP_TIMEOUT_MS)
            result = page.wait_for_function(READY_JS, arg=self.kind, polling=50, timeout=STEP_TIMEOUT_MS).json_value()
            wall_ms = (time.perf_counter() - start) * 1000
            counter["open"] = False
            sample = {
                "ready_ms": result["ready"], "map_ms": result["map"], "sentinel_ms": result["sentinel"],
                "wall_ms": wall_ms, "ws_bytes": counter["bytes"], "ws_frames": counter["frames"],
                "largest_frame": counter["largest"],
                "server_cpu_s": self.server.cpu_seconds() - server_before,
                "browser_cpu_s": cpu_delta(browser_before, descendant_cpu(os.getpid(), "chrom")),
            }
            if self.kind == "app":
                sample["map_paths"] = page.frame_locator(MAP_IFRAME).first.locator(
                    ".leaflet-map-pane svg > g > path").count()
        finally:
            page.close()
        return sample

    def open_rerun_page(self) -> None:
        page = self.context.new_page()
        self._rerun_counter = {"bytes": 0, "frames": 0, "largest": 0}
        self._watch(page, self._rerun_counter)
        page.goto(self.server.url + "/", wait_until="commit", timeout=STEP_TIMEOUT_MS)
        page.wait_for_function(READY_JS, arg=self.kind, polling=50, timeout=STEP_TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                               timeout=STEP_TIMEOUT_MS)
        page.wait_for_timeout(500)
        self.rerun_page = page

    def measure_rerun(self) -> dict:
        page = self.rerun_page
        if self.position + self.direction < 0 or self.position + self.direction > 4:
            self.direction = -self.direction
        key = "ArrowLeft" if self.direction < 0 else "ArrowRight"
        # the app's era control is a radio group (arrow keys move and choose); the baseline's a select_slider
        control = (page.get_by_role("slider") if self.kind == "baseline"
                   else page.locator('[role="radio"][aria-checked="true"]')).first
        control.focus()
        page.evaluate(RESET_RERUN_JS)
        self._rerun_counter.update(bytes=0, frames=0, largest=0)
        server_before = self.server.cpu_seconds()
        start = time.perf_counter()
        page.keyboard.press(key)
        try:
            result = page.wait_for_function(RERUN_JS, arg=self.kind, polling=50, timeout=STEP_TIMEOUT_MS).json_value()
        except PlaywrightTimeoutError:
            state = page.evaluate("() => { const b = window.__bench; const k = b.keys[b.keys.length - 1] || 0;"
                                  " const rel = (t) => Math.round(t - k);"
                                  " return {sends: b.sends.map(rel), finished: b.finished.map(rel),"
                                  " states: b.states.map((e) => [e.s, rel(e.t)]), d: b.dchanges.map((e) => rel(e.t)),"
                                  " now: document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state')}; }")
            raise RuntimeError(f"{self.kind}: rerun after {key} not seen within {STEP_TIMEOUT_MS} ms: {state}") from None
        wall_ms = (time.perf_counter() - start) * 1000
        self.position += self.direction
        sample = {**result, "key": key, "position": self.position, "wall_ms": wall_ms,
                  "ws_bytes": self._rerun_counter["bytes"], "ws_frames": self._rerun_counter["frames"],
                  "server_cpu_s": self.server.cpu_seconds() - server_before}
        page.wait_for_timeout(300)  # let stray frames of this rerun arrive before the next one
        return sample


def measure_payload() -> dict:
    """The Explore map's st_folium arguments, from the real page run by AppTest (in a subprocess)."""
    code = r"""
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=180).run()
comps = [c for c in at.get("component_instance") if "st_folium" in c.proto.component_name]
raw = comps[0].proto.json_args
args = json.loads(raw)
print(json.dumps({"json_args_bytes": len(raw.encode()), "components": len(comps),
                  "parts": {k: len(json.dumps(v).encode()) for k, v in args.items()},
                  "layers": sorted(at.session_state["w_layers"]), "era": at.session_state["w_era"]}))
"""
    out = subprocess.run([sys.executable, "-c", code, str(APP)], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summarize(values: list[float]) -> dict:
    return {"median": median(values), "p90": percentile(values, 90), "min": min(values) if values else None,
            "max": max(values) if values else None, "n": len(values)}


def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None or value != value else f"{value:,.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repeats", type=int, default=7, help="measurements of each kind per app (default 7)")
    parser.add_argument("--reruns", type=int, default=3,
                        help="era-change reruns measured per app in each round (default 3: a rerun is short "
                             "and noisy, and cheap to repeat)")
    parser.add_argument("--max-seconds", type=float, default=540,
                        help="stop measuring after this long, keeping what was measured (default 540)")
    parser.add_argument("--no-payload", action="store_true", help="skip the AppTest payload measurement")
    parser.add_argument("--app", type=Path, default=APP,
                        help="app to measure against the baseline (default dashboard/app.py; "
                             "bench/map_only_app.py isolates the map's share)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: run `bash scripts/ensure_chromium.sh` (never `playwright install`).")
        return 2
    from playwright.sync_api import sync_playwright

    began = time.monotonic()
    info = machine_info()
    logdir = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    servers: list[Server] = []
    notes: list[str] = []
    try:
        servers.append(start_server(args.app.resolve(), logdir))
        servers.append(start_server(BASELINE_APP, logdir))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            targets = []
            for kind, server in zip(("app", "baseline"), servers):
                context = browser.new_context(viewport={"width": 1280, "height": 1000}, service_workers="block")
                context.add_init_script(INIT_SCRIPT)
                targets.append(Target(kind, server, context))
            print("warming up ...", flush=True)
            for target in targets:
                target.measure_load()  # fills the server caches and the browser's HTTP cache
                target.open_rerun_page()
                target.measure_rerun()
            print(f"measuring ({args.repeats} x (page load + {args.reruns} reruns) per app, interleaved) ...", flush=True)
            for i in range(args.repeats):
                if time.monotonic() - began > args.max_seconds:
                    notes.append(f"stopped after {i} rounds: --max-seconds {args.max_seconds:.0f} reached")
                    break
                order = targets if i % 2 == 0 else targets[::-1]
                for target in order:
                    target.loads.append(target.measure_load())
                for _ in range(args.reruns):  # alternating apps: machine noise hits both alike
                    for target in order:
                        target.reruns.append(target.measure_rerun())
                print(f"  round {i + 1}: " + ", ".join(
                    f"{t.kind} load {t.loads[-1]['ready_ms']:.0f} ms rerun {t.reruns[-1]['from_key']:.0f} ms"
                    for t in targets), flush=True)
            browser.close()
    finally:
        for server in servers:
            server.stop()

    payload = None
    if not args.no_payload:
        print("measuring the map payload (AppTest) ...", flush=True)
        payload = measure_payload()

    app, base = targets
    summary: dict[str, object] = {}
    for target in targets:
        summary[target.kind] = {
            "page_ready_ms": summarize([s["ready_ms"] for s in target.loads]),
            "page_ready_wall_ms": summarize([s["wall_ms"] for s in target.loads]),
            "map_drawn_ms": summarize([s["map_ms"] for s in target.loads]),
            "load_ws_bytes": summarize([s["ws_bytes"] for s in target.loads]),
            "load_server_cpu_s": summarize([s["server_cpu_s"] for s in target.loads]),
            "load_browser_cpu_s": summarize([s["browser_cpu_s"] for s in target.loads]),
            "rerun_from_key_ms": summarize([s["from_key"] for s in target.reruns]),
            "rerun_from_send_ms": summarize([s["from_send"] for s in target.reruns]),
            "rerun_ws_bytes": summarize([s["ws_bytes"] for s in target.reruns]),
            "rerun_server_cpu_s": summarize([s["server_cpu_s"] for s in target.reruns]),
            "external_requests": len(target.external_requests),
            "page_errors": len(target.page_errors),
        }

    def ratio(key: str, stat: str = "median") -> float:
        return summary["app"][key][stat] / summary["baseline"][key][stat]

    ratios = {
        "page_ready_median": ratio("page_ready_ms"), "page_ready_p90": ratio("page_ready_ms", "p90"),
        "map_drawn_median": ratio("map_drawn_ms"), "map_drawn_p90": ratio("map_drawn_ms", "p90"),
        "rerun_from_key_median": ratio("rerun_from_key_ms"), "rerun_from_key_p90": ratio("rerun_from_key_ms", "p90"),
        "rerun_from_send_median": ratio("rerun_from_send_ms"),
        "load_ws_bytes_median": ratio("load_ws_bytes"),
    }
    results = {
        "benchmark": "bench/run.py", "command": " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]]),
        "machine": info, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "duration_s": round(time.monotonic() - began, 1), "repeats": args.repeats, "reruns_per_round": args.reruns, "notes": notes,
        "summary": summary, "ratios": ratios, "payload": payload,
        "targets": {"page_ready_ratio": PAGE_READY_TARGET, "rerun_ratio": RERUN_TARGET, "payload_kb": PAYLOAD_TARGET_KB},
        "samples": {t.kind: {"loads": t.loads, "reruns": t.reruns, "external_requests": t.external_requests[:50],
                             "page_errors": t.page_errors[:20]} for t in targets},
    }
    path = write_results(results)

    sa, sb = summary["app"], summary["baseline"]

    def ok(value: float, target: float) -> str:
        return "yes" if value <= target else "**no**"

    rows = [
        ["map drawn, median (ms)", fmt(sa["map_drawn_ms"]["median"]), fmt(sb["map_drawn_ms"]["median"]),
         f"{ratios['map_drawn_median']:.2f}x", f"<= {PAGE_READY_TARGET}x", ok(ratios["map_drawn_median"], PAGE_READY_TARGET)],
        ["map drawn, p90 (ms)", fmt(sa["map_drawn_ms"]["p90"]), fmt(sb["map_drawn_ms"]["p90"]),
         f"{ratios['map_drawn_p90']:.2f}x", "", ""],
        ["page ready, median (ms)", fmt(sa["page_ready_ms"]["median"]), fmt(sb["page_ready_ms"]["median"]),
         f"{ratios['page_ready_median']:.2f}x", f"<= {PAGE_READY_TARGET}x", ok(ratios["page_ready_median"], PAGE_READY_TARGET)],
        ["page ready, p90 (ms)", fmt(sa["page_ready_ms"]["p90"]), fmt(sb["page_ready_ms"]["p90"]),
         f"{ratios['page_ready_p90']:.2f}x", "", ""],
        ["rerun from key press, median (ms)", fmt(sa["rerun_from_key_ms"]["median"]),
         fmt(sb["rerun_from_key_ms"]["median"]), f"{ratios['rerun_from_key_median']:.2f}x", f"<= {RERUN_TARGET}x",
         ok(ratios["rerun_from_key_median"], RERUN_TARGET)],
        ["rerun from key press, p90 (ms)", fmt(sa["rerun_from_key_ms"]["p90"]), fmt(sb["rerun_from_key_ms"]["p90"]),
         f"{ratios['rerun_from_key_p90']:.2f}x", "", ""],
        ["rerun from request sent, median (ms)", fmt(sa["rerun_from_send_ms"]["median"]),
         fmt(sb["rerun_from_send_ms"]["median"]), f"{ratios['rerun_from_send_median']:.2f}x", "", ""],
        ["websocket bytes received, page load (median)", fmt(sa["load_ws_bytes"]["median"]),
         fmt(sb["load_ws_bytes"]["median"]), f"{ratios['load_ws_bytes_median']:.1f}x", "", ""],
        ["websocket bytes received, one rerun (median)", fmt(sa["rerun_ws_bytes"]["median"]),
         fmt(sb["rerun_ws_bytes"]["median"]), "", "", ""],
        ["server CPU per page load (s, median)", fmt(sa["load_server_cpu_s"]["median"], 2),
         fmt(sb["load_server_cpu_s"]["median"], 2), "", "", ""],
        ["server CPU per rerun (s, median)", fmt(sa["rerun_server_cpu_s"]["median"], 2),
         fmt(sb["rerun_server_cpu_s"]["median"], 2), "", "", ""],
        ["browser CPU per page load (s, median)", fmt(sa["load_browser_cpu_s"]["median"], 2),
         fmt(sb["load_browser_cpu_s"]["median"], 2), "", "", ""],
    ]
    if payload:
        kb = payload["json_args_bytes"] / 1000
        rows.append(["Explore map payload, st_folium json_args (kB)", f"{kb:,.1f}", "", "", f"<= {PAYLOAD_TARGET_KB} kB",
                     ok(kb, PAYLOAD_TARGET_KB)])
    print()
    print(md_table(["measure", "app", "baseline", "app/baseline", "target", "met"], rows))
    if payload:
        parts = payload["parts"]
        print(f"\npayload parts (bytes): script {parts['script']:,}, feature_group {parts['feature_group']:,}, "
              f"header {parts['header']:,}; layers {payload['layers']}, era {payload['era']}")
    print(f"\nn = {args.repeats} page loads and {args.repeats * args.reruns} reruns per app, interleaved; "
          f"external requests attempted: app {sa['external_requests']}, "
          f"baseline {sb['external_requests']}; page errors: app {sa['page_errors']}, baseline {sb['page_errors']}; "
          f"load average {info['loadavg_at_start']} -> {results['loadavg_at_end']}; {results['duration_s']} s")
    for note in notes:
        print("note:", note)
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
