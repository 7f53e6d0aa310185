"""The replica pool (deploy/): two atlas replicas behind nginx on 127.0.0.1, with cookie affinity.

Needs nginx (Debian package; ``scripts/ensure_nginx.sh`` installs it, as ``make test`` does). Without it
these tests are skipped with the reason, except under ``CI=true``, where a missing balancer fails.
One pool for the module; the tests that kill or restart replicas leave it whole again.
"""
from __future__ import annotations

import asyncio
import json
import re
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets
from _common import is_local
from helpers import guard_page, map_frame, save_screenshot, wait_for_app
from load import Session, StepError
from playwright.sync_api import Browser, expect
from traffic import handshake, probe_while, request, run

from dashboard.core.i18n import t

HOST = "127.0.0.1"
REPLICAS = 2
COOKIE = "atlas_replica"
LOG_LINE = re.compile(r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ '
                      r'upstream=(?P<upstream>\S+(?:, \S+)*) cookie=(?P<cookie>\S+) set=(?P<set>\S*) ua="(?P<ua>[^"]*)"')
VALLEY = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "valley"},
    "geometry": {"type": "Polygon", "coordinates": [[[131.0, 42.9], [131.4, 42.9], [131.4, 43.3],
                                                     [131.0, 43.3], [131.0, 42.9]]]}}]}


def _in_ci() -> bool:
    import os

    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def lesson_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="atlas-lesson-"))
    folder.chmod(0o755)  # nginx's workers run as nobody when the tests run as root
    (folder / "index.html").write_text("<!doctype html><title>lesson</title>" + "<p>step</p>" * 200, encoding="utf-8")
    (folder / "lesson.js").write_text("const steps = [" + ",".join(str(i) for i in range(400)) + "];\n",
                                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pool(lesson_dir: Path) -> Iterator:
    from pool import NginxMissing, start_pool

    try:
        running = start_pool(REPLICAS, lesson=lesson_dir)
    except NginxMissing as missing:
        if _in_ci():
            pytest.fail(f"{missing} (CI=true: the balancer is required)", pytrace=False)
        pytest.skip(str(missing))
    yield running
    running.stop()


@dataclass
class Hit:
    method: str
    path: str
    status: int
    upstream: str  # the replica that finally answered ("-": nginx served it itself)
    cookie: str
    ua: str


def hits(pool, ua: str | None = None) -> list[Hit]:
    out = []
    for line in pool.access_log.read_text(errors="replace").splitlines():
        match = LOG_LINE.search(line)
        if match and (ua is None or match["ua"] == ua):
            out.append(Hit(match["method"], match["path"], int(match["status"]),
                           match["upstream"].split(", ")[-1], match["cookie"], match["ua"]))
    return out


def replica_of(pool, upstream: str) -> int:
    return pool.replica_index(int(upstream.rsplit(":", 1)[1]))


def wait_for_hit(pool, ua: str, predicate, timeout: float = 15.0) -> list[Hit]:
    """The access log lines of ``ua`` once one matches ``predicate`` (nginx logs a websocket when it closes)."""
    deadline = time.monotonic() + timeout
    while True:
        found = hits(pool, ua)
        if any(predicate(h) for h in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def open_page(browser: Browser, url: str, ua: str):
    context = browser.new_context(user_agent=ua, viewport={"width": 1366, "height": 900}, service_workers="block")
    guarded = guard_page(context, is_local)
    guarded.page.goto(url)
    wait_for_app(guarded.page, timeout=90_000)
    return context, guarded


def upload_valley(page, tmp_path: Path) -> None:
    upload = tmp_path / "valley.geojson"
    upload.write_text(json.dumps(VALLEY), encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    wait_for_app(page, timeout=90_000)
    # the session read the file: it is measured, or (while the measuring worker starts on a busy machine,
    # the upload owner's part) called too complicated; either way it reached the replica holding the session
    measured = page.get_by_text(t("user.size", "en", source=t("user.uploaded", "en")))
    expect(measured.or_(page.get_by_text(t("user.too_complex", "en")))).to_be_visible(timeout=60_000)


# --- affinity and spread ---------------------------------------------------------------------------


def test_every_request_and_the_websocket_of_one_browser_land_on_one_replica(pool, browser: Browser,
                                                                            tmp_path: Path) -> None:
    ua = f"atlas-affinity-{uuid.uuid4().hex[:8]}"
    context, guarded = open_page(browser, f"{pool.url}/?page=explore", ua)
    page = guarded.page
    expect(map_frame(page).locator(".leaflet-overlay-pane svg path").first).to_be_attached(timeout=60_000)
    upload_valley(page, tmp_path)  # st.file_uploader: a PUT to the replica that holds the session
    save_screenshot(page, "pool_explore_upload", full_page=False)
    guarded.assert_clean()
    context.close()  # nginx logs the websocket when it closes

    found = wait_for_hit(pool, ua, lambda h: h.path.startswith("/_stcore/stream"))
    proxied = [h for h in found if h.upstream != "-"]
    assert {replica_of(pool, h.upstream) for h in proxied} and len({h.upstream for h in proxied}) == 1, \
        [(h.method, h.path, h.upstream) for h in proxied]
    paths = [f"{h.method} {h.path}" for h in proxied]
    assert any(p.startswith("GET /_stcore/stream") for p in paths)
    assert any(p.startswith("PUT /_stcore/upload_file/") for p in paths)
    assert any(p.startswith("GET /component/") for p in paths)  # the map's frame too
    assert all(h.status < 400 for h in found), [(h.path, h.status) for h in found if h.status >= 400]
    served_here = [h for h in found if h.upstream == "-"]
    assert any(h.path.startswith("/static/") for h in served_here)  # Streamlit's bundle from nginx
    assert any(h.path.startswith("/app/static/vendor/") for h in served_here)  # Leaflet from nginx


def test_new_sessions_spread_across_the_replicas(pool) -> None:
    async def sessions(n: int) -> list[Session]:
        opened = [Session(i, pool.port, step_timeout=90) for i in range(n)]
        for session in opened:  # one after another, each keeping its websocket open, as tabs do
            await session.initial_load()
        await asyncio.gather(*(s.close() for s in opened))
        return opened

    opened = run(asyncio.wait_for(sessions(6), 240))
    counts = Counter(s.cookies.get(COOKIE) for s in opened)
    assert set(counts) == {f"r{i + 1}" for i in range(REPLICAS)}, counts
    assert min(counts.values()) >= 2, counts  # the least busy replica takes the next one


# --- failures --------------------------------------------------------------------------------------


def test_killing_a_replica_mid_lesson_keeps_the_page_working(pool, browser: Browser, tmp_path: Path) -> None:
    """A replica dies (SIGKILL) under an open Classroom tab in Russian, on story step 4, one quiz answer given.

    The browser reconnects through nginx to the other replica: the page, language and story step come
    back from the address; the quiz score (session memory) is lost; an upload afterwards works, so
    every later request follows the new replica. The killed replica is started again at the end."""
    ua = f"atlas-failover-{uuid.uuid4().hex[:8]}"
    context, guarded = open_page(browser, f"{pool.url}/?page=classroom&step=4&lang=ru", ua)
    page = guarded.page
    step = lambda n: page.get_by_text(t("classroom.step_of", "ru", step=n, total=11))  # noqa: E731
    expect(step(4)).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name=t("classroom.quiz", "ru")).click()
    page.get_by_role("button", name=t("quiz.answer.myth", "ru"), exact=True).first.click()
    wait_for_app(page, timeout=60_000)
    score = page.get_by_test_id("stMetricValue").first
    expect(score).to_have_text(re.compile(r"^(0|½|1) / 1$"))  # one answer counted
    before = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
    victim = int(before[1:]) - 1

    with page.expect_websocket(timeout=60_000):  # the frontend's reconnect
        pool.kill(victim)
    page.get_by_role("tab", name=t("classroom.story", "ru")).click()
    next_button = page.get_by_role("button", name=t("classroom.next", "ru"))
    expect(next_button).to_be_enabled(timeout=60_000)
    next_button.click()
    wait_for_app(page, timeout=90_000)
    # the click that met the new replica may be spent restoring the view: step 4 or 5, never step 1
    expect(step(4).or_(step(5))).to_be_visible(timeout=30_000)
    shown = 4 if step(4).is_visible() else 5
    next_button.click()
    wait_for_app(page, timeout=60_000)
    expect(step(shown + 1)).to_be_visible(timeout=30_000)
    after = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
    assert after != before  # the cookie followed the replica that answered
    page.get_by_role("tab", name=t("classroom.quiz", "ru")).click()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("0 / 0")  # the quiz score was lost
    save_screenshot(page, "pool_after_failover_classroom_ru", full_page=False)

    page.goto(f"{pool.url}/?page=explore")  # a later upload lands with the session on the new replica
    wait_for_app(page, timeout=90_000)
    upload_valley(page, tmp_path)
    context.close()
    found = wait_for_hit(pool, ua, lambda h: h.method == "PUT")
    put = next(h for h in found if h.method == "PUT")
    assert put.status < 400 and replica_of(pool, put.upstream) != victim
    pool.restart(victim)


@dataclass
class PageLoads:
    done: int = 0
    after_reconnect: int = 0
    failed: list[str] = field(default_factory=list)


async def _load_pages(pool, stop: threading.Event, tally: PageLoads, index: int) -> None:
    """Load the Explore page again and again, as a browser would: a dropped connection is retried once
    with the same cookies (Streamlit's frontend reconnects by itself); a second failure is a lost load."""
    while not stop.is_set():
        session = Session(index, pool.port, step_timeout=90)
        for attempt in (1, 2):
            try:
                await session.initial_load()
                tally.done += 1
                tally.after_reconnect += attempt == 2
                break
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake, StepError) as err:
                if attempt == 2:
                    tally.failed.append(f"{type(err).__name__}: {err}"[:200])
                await session.close()
                retry = Session(index, pool.port, step_timeout=90)
                retry.cookies = session.cookies
                session = retry
        await session.close()


def test_a_rolling_restart_under_load_loses_no_page_load(pool) -> None:
    async def scenario() -> PageLoads:
        stop, tally = threading.Event(), PageLoads()
        loaders = [asyncio.create_task(_load_pages(pool, stop, tally, i)) for i in range(4)]
        await asyncio.sleep(2)
        await asyncio.to_thread(pool.rolling_restart)
        await asyncio.sleep(2)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*loaders), 180)
        return tally

    tally = run(asyncio.wait_for(scenario(), 420))
    print(f"rolling restart: {tally.done} page loads, {tally.after_reconnect} after a reconnect, {len(tally.failed)} lost")
    assert tally.failed == [], tally
    assert tally.done >= 8, tally  # loads kept coming while each replica went down and came back


# --- the edge ----------------------------------------------------------------------------------


def test_foreign_origin_handshakes_are_refused_by_the_balancer_and_reach_no_replica(pool) -> None:
    async def burst() -> tuple[list, list[float]]:
        attempts = asyncio.gather(*(handshake(HOST, pool.port, origin="http://evil.example") for _ in range(60)))
        probe = asyncio.create_task(probe_while(HOST, pool.port, attempts))
        return await attempts, await probe

    offsets = [server.log.stat().st_size for server in pool.replicas]
    replies, latencies = run(asyncio.wait_for(burst(), 120))
    assert [r.status for r in replies] == [403] * 60
    assert all(r.header("server") == "nginx" for r in replies)  # answered at the edge
    for server, offset in zip(pool.replicas, offsets):
        assert "Rejecting WebSocket" not in server.log.read_bytes()[offset:].decode("utf-8", "replace")
    assert max(latencies) < 3.0  # generous: the unguarded Streamlit stalled 15 s for 50
    own = run(handshake(HOST, pool.port, origin=pool.url))
    assert own.status == 101


def test_static_files_come_compressed_with_cache_headers(pool) -> None:
    def get(path: str):
        return run(request(HOST, pool.port, "GET", path, {"Accept-Encoding": "gzip"}))

    vendor = get("/app/static/vendor/leaflet/leaflet.js")
    assert vendor.status == 200 and vendor.header("content-encoding") == "gzip"
    assert vendor.header("cache-control") == "public, max-age=86400" and vendor.header("etag")
    index = run(request(HOST, pool.port, "GET", "/")).body  # plain: the bundle's name is in it
    bundle = re.search(rb'src="\./(static/js/[^"]+)"', index) or re.search(rb'src="/(static/js/[^"]+)"', index)
    assert bundle, index[:300]
    script = get("/" + bundle.group(1).decode())
    assert script.status == 200 and script.header("content-encoding") == "gzip"
    assert script.header("cache-control") == "public, max-age=31536000, immutable"
    lesson_page, lesson_js = get("/lesson/"), get("/lesson/lesson.js")
    assert lesson_page.status == 200 and lesson_page.header("cache-control") == "no-cache"
    assert lesson_js.header("content-encoding") == "gzip" and lesson_js.header("cache-control") == "public, max-age=86400"
    assert lesson_page.header("x-content-type-options") == "nosniff"
    app_page = get("/?page=compare")
    assert app_page.header("content-security-policy") == "frame-ancestors 'self'"  # the app's own headers pass through
    assert get("/_stcore/metrics").status == 404
