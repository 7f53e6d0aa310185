"""Helpers for the browser end-to-end tests (Playwright + headless Chromium)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, FrameLocator, Page, Route, WebSocketRoute

#: Text every atlas page renders (in an ``st.markdown``) as the last thing its script does.
APP_READY_SENTINEL = "atlas-ready"

#: The st_folium component iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

#: Streamlit probing a page's own address as a base path (harmless 404s; see ``OfflinePage.assert_clean``).
BASE_PATH_PROBE = re.compile(r"^(404 |Failed to load resource: the server responded with a status of 404 \(Not Found\) \()"
                             r"https?://[^/]+/[a-z_]+/_stcore/(health|host-config)\)?$")

#: The journeys' two screens: a laptop and a phone (``screen`` fixture in conftest.py; the phone with touch).
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"  # gitignored

REPO_ROOT = Path(__file__).resolve().parents[2]


def wait_for_app(page: Page, timeout: float = 30_000, sentinel: str = APP_READY_SENTINEL) -> None:
    """Wait until the Streamlit script has finished its run.

    Waits for the app root, then for the sentinel ``st.markdown`` (or a Streamlit exception
    box, which fails at once with its text), then for the script state to be ``notRunning``
    (the ``data-test-script-state`` attribute Streamlit sets on ``[data-testid="stApp"]``).
    Call it again after an interaction that reruns the script.
    """
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout)
    # the whole text, not a substring: the page's CSS (also an st.markdown) may name the sentinel's class
    ready = page.locator('[data-testid="stMarkdown"]').filter(has_text=re.compile(rf"^\s*{re.escape(sentinel)}\s*$"))
    exception = page.locator('[data-testid="stException"]')
    ready.or_(exception).first.wait_for(state="attached", timeout=timeout)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout
    )
    if exception.count():
        raise AssertionError("The app raised an exception:\n" + exception.first.inner_text())


def wait_for_server_era(page: Page, era: str, track: str = "era", timeout: float = 60_000) -> None:
    """Wait until the server has heard of an era chosen in the browser: the era element marks each track
    with the era the server last sent it (``data-server-era``). An era choice reruns only a fragment and
    changes nothing the reader can see, so ``wait_for_app`` cannot tell whether that run has happened."""
    page.locator(f'[data-track="{track}"][data-server-era="{era}"]').wait_for(state="attached", timeout=timeout)


def close_sidebar_on_a_phone(page: Page) -> None:
    """On a phone the sidebar opens over the page (its layout is the mobile work's): close it."""
    if page.viewport_size["width"] < 500 and page.get_by_test_id("stSidebar").get_attribute("data-collapsed") != "true":
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click(force=True)
        page.get_by_test_id("stSidebarCollapseButton").wait_for(state="hidden")


def nav_link(page: Page, name: str):
    """The navigation's link named ``name`` (the sidebar is opened first where it is closed)."""
    nav = page.get_by_test_id("stSidebarNav")
    if not nav.is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
    return nav.get_by_role("link", name=name)


def open_from_navigation(page: Page, key: str, lang: str = "en", timeout: float = 60_000) -> None:
    """Click the navigation's link to page ``key`` and wait until that page has run: its heading is shown
    (just after the click the old page is still there, finished, and ``wait_for_app`` alone would pass)."""
    from dashboard.core.i18n import t

    nav_link(page, t(f"page.{key}", lang)).click()
    page.get_by_role("heading", name=t(f"{key}.title", lang), exact=True).wait_for(timeout=timeout)
    wait_for_app(page, timeout=timeout)


def map_frame(page: Page, index: int = 0) -> FrameLocator:
    """The ``index``-th st_folium map iframe (0 = first on the page)."""
    return page.frame_locator(MAP_IFRAME).nth(index)


def save_screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a PNG to tests/e2e/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@dataclass
class OfflinePage:
    """A Playwright page whose requests may only go where its guard allows (see ``guard_page``).

    ``external_requests``: every request (HTTP or WebSocket) the guard refused; each was aborted.
    ``requests``: the URL of every request the page made. ``console_errors`` / ``page_errors``:
    console.error messages and uncaught exceptions. ``bad_responses``: allowed responses with
    status >= 400 (e.g. a missing vendored file).
    """

    page: Page
    external_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No refused request, no console error, no uncaught exception, no 4xx/5xx.

        Except Streamlit's own probe of a page's address as the server's base path: a page opened at
        ``/compare`` first asks ``/compare/_stcore/health`` and ``host-config`` (404), then ``/_stcore/...``.
        """
        problems = {
            "external requests": self.external_requests,
            "console errors": [e for e in self.console_errors if not BASE_PATH_PROBE.search(e)],
            "page errors": self.page_errors,
            "bad responses": [r for r in self.bad_responses if not BASE_PATH_PROBE.search(r)],
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"offline page problems: {found}"


def guard_page(context: BrowserContext, allowed: Callable[[str], bool], page_type: type[OfflinePage] = OfflinePage):
    """A new page in ``context`` whose requests to URLs that ``allowed`` refuses are aborted and recorded."""
    page = context.new_page()
    result = page_type(page)

    def on_route(route: Route) -> None:
        url = route.request.url
        if allowed(url):
            route.continue_()
        else:
            result.external_requests.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def on_websocket(ws: WebSocketRoute) -> None:
        result.external_requests.append(f"WEBSOCKET {ws.url}")
        ws.close()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location or {}
            result.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def on_response(response) -> None:
        if response.status >= 400 and allowed(response.url):
            result.bad_responses.append(f"{response.status} {response.url}")

    context.route("**/*", on_route)
    context.route_web_socket(lambda url: not allowed(url), on_websocket)
    page.on("request", lambda request: result.requests.append(request.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: result.page_errors.append(str(error)))
    page.on("response", on_response)
    return result
