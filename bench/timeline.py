"""Where a page load's time goes (run by hand: ``.venv/bin/python bench/timeline.py [-n 5] [apps ...]``).

Not a test, and not the benchmark (that is ``bench/run.py``): a diagnostic that loads each app's page
``n`` times, interleaved, in the same offline headless Chromium as ``bench/run.py``, and reports the
median of, in ms since navigation:

* ``msg first`` / ``msg map`` / ``msg last``: arrival of the first websocket message, of the largest
  one (the map's arguments) and of the last one before the page was ready;
* ``iframe``: when the map's iframe element was created (React mounted the map);
* ``sentinel``: the ``atlas-ready`` marker (the script finished and its elements were drawn);
* ``ready``: as ``bench/run.py`` (map drawn and sentinel);
* ``main thread``: the renderer main thread's busy time until ready (CDP ``Performance.getMetrics``
  TaskDuration; ScriptDuration and layout + style shown too). On this machine page ready is almost
  all main-thread work, so this is the figure that explains a slow page.

Default apps: ``dashboard/app.py`` (Explore), ``bench/map_only_app.py`` (its map alone) and
``bench/baseline_app.py``. Any other Streamlit script can be given (e.g. a copy of the app with one
element removed); it is served from the repo root like the others.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import APP, BASELINE_APP, REPO_ROOT, md_table, start_server  # noqa: E402
from run import CHROMIUM, CHROMIUM_ARGS, INIT_SCRIPT, MAP_IFRAME, READY_JS, STEP_TIMEOUT_MS  # noqa: E402

MAP_ONLY_APP = REPO_ROOT / "bench" / "map_only_app.py"

# Arrival time and size of every websocket message, and the moment the map's iframe is created.
TIMELINE_SCRIPT = """
(() => {
  if (window !== window.top || window.__timeline) return;
  const tl = window.__timeline = {messages: [], iframe: null};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        tl.messages.push([performance.now(), event.data.byteLength || event.data.length || 0]);
      });
    }
  };
  new MutationObserver(() => {
    if (tl.iframe === null && document.querySelector('%s')) tl.iframe = performance.now();
  }).observe(document, {subtree: true, childList: true});
})();
""" % MAP_IFRAME.replace("'", "\\'")


def load_once(context, url: str, kind: str) -> dict[str, float]:
    """One page load: the timeline marks and the main thread's busy time, in ms."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    try:
        page.goto(url, wait_until="commit", timeout=STEP_TIMEOUT_MS)
        ready = page.wait_for_function(READY_JS, arg=kind, polling=50, timeout=STEP_TIMEOUT_MS).json_value()
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        timeline = page.evaluate("() => window.__timeline")
    finally:
        page.close()
    messages = [m for m in timeline["messages"] if m[0] <= ready["ready"]] or [[float("nan"), 0]]
    largest = max(messages, key=lambda m: m[1])
    return {
        "msg first": messages[0][0], "msg map": largest[0], "msg last": messages[-1][0],
        "iframe": timeline["iframe"] if timeline["iframe"] is not None else float("nan"),
        "sentinel": ready["sentinel"], "ready": ready["ready"],
        "main thread": metrics["TaskDuration"] * 1000, "script": metrics["ScriptDuration"] * 1000,
        "layout+style": (metrics["LayoutDuration"] + metrics["RecalcStyleDuration"]) * 1000,
        "messages": len(messages),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apps", nargs="*", type=Path, default=[APP, MAP_ONLY_APP, BASELINE_APP])
    parser.add_argument("-n", "--loads", type=int, default=5, help="measured page loads per app (default 5)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: run `bash scripts/ensure_chromium.sh` (never `playwright install`).")
        return 2
    from playwright.sync_api import sync_playwright

    logdir = Path(tempfile.mkdtemp(prefix="atlas-timeline-"))
    servers = []
    samples: dict[Path, list[dict[str, float]]] = {app: [] for app in args.apps}
    try:
        for app in args.apps:
            servers.append(start_server(app.resolve(), logdir))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            targets = []
            for app, server in zip(args.apps, servers):
                context = browser.new_context(viewport={"width": 1280, "height": 1000}, service_workers="block")
                context.add_init_script(INIT_SCRIPT)
                context.add_init_script(TIMELINE_SCRIPT)
                kind = "baseline" if app.resolve() == BASELINE_APP else "app"
                load_once(context, server.url + "/", kind)  # warm the server caches and the HTTP cache
                targets.append((app, context, server.url + "/", kind))
            for i in range(args.loads):
                for app, context, url, kind in (targets if i % 2 == 0 else targets[::-1]):
                    samples[app].append(load_once(context, url, kind))
            browser.close()
    finally:
        for server in servers:
            server.stop()

    columns = ["msg first", "msg map", "msg last", "iframe", "sentinel", "ready", "main thread", "script",
               "layout+style", "messages"]
    rows = []
    for app, loads in samples.items():
        name = os.path.relpath(app.resolve(), REPO_ROOT) if app.resolve().is_relative_to(REPO_ROOT) else str(app)
        rows.append([name, *(f"{statistics.median(s[c] for s in loads):,.0f}" for c in columns)])
    print(md_table(["app (median of %d loads, ms)" % args.loads, *columns], rows))
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
