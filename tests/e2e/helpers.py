"""Helpers for the browser end-to-end tests (Playwright + headless Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import FrameLocator, Page

#: Text every atlas page renders (in an ``st.markdown``) as the last thing its script does.
APP_READY_SENTINEL = "atlas-ready"

#: The st_folium component iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

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
    ready = page.locator('[data-testid="stMarkdown"]').filter(has_text=sentinel)
    exception = page.locator('[data-testid="stException"]')
    ready.or_(exception).first.wait_for(state="attached", timeout=timeout)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout
    )
    if exception.count():
        raise AssertionError("The app raised an exception:\n" + exception.first.inner_text())


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
