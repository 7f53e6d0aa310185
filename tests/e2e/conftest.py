"""Browser end-to-end fixtures: system Chromium, live Streamlit servers, an offline page.

Never run ``playwright install`` here: it downloads a browser from a CDN. The tests use the
Debian ``chromium`` package (``scripts/ensure_chromium.sh``). Without it the e2e tests are
skipped, unless ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import REPO_ROOT, SIZES, OfflinePage, guard_page

sys.path.insert(0, str(REPO_ROOT / "bench"))
from _common import Server, is_local, start_server  # noqa: E402  (the benchmarks start servers the same way)
from playwright.sync_api import BrowserContext

#: The system Chromium (Debian package). ATLAS_CHROMIUM may point at another Chromium build.
CHROMIUM = Path(os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright hook: launch the system Chromium, headless, with no background traffic."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} not found: install it with `bash scripts/ensure_chromium.sh` "
            "(Debian package `chromium`; do not run `playwright install`)."
        )
        if _in_ci():
            pytest.fail(reason + " CI=true, so this is an error.", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """pytest-playwright hook: a desktop viewport; service workers blocked so routing sees all."""
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 1000},
        "service_workers": "block",
    }


# --- Streamlit servers ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def streamlit_app() -> Iterator[Callable[[str | Path], str]]:
    """Factory: ``streamlit_app("bench/baseline_app.py")`` -> base URL of a live server.

    One server per script for the whole session, started from the repo root (so the repo's
    .streamlit/config.toml applies), bound to 127.0.0.1 on a free port, with static serving
    on and the file watcher off. Static files come from ``<script dir>/static``.
    """
    servers: dict[Path, Server] = {}
    logdir = Path(tempfile.mkdtemp(prefix="atlas-e2e-"))

    def start(script_path: str | Path) -> str:
        script = Path(script_path)
        script = (script if script.is_absolute() else REPO_ROOT / script).resolve()
        if script not in servers:
            if not script.is_file():
                raise FileNotFoundError(script)
            servers[script] = start_server(script, logdir, timeout=SERVER_START_TIMEOUT)
        return servers[script].url

    yield start

    for server in servers.values():
        server.stop()


# --- an offline page -----------------------------------------------------------------------


@pytest.fixture
def offline_page(context: BrowserContext) -> OfflinePage:
    """A fresh page in pytest-playwright's context, with every non-local request aborted."""
    return guard_page(context, is_local)


@pytest.fixture(params=list(SIZES))
def screen(request, browser) -> Iterator[OfflinePage]:
    """A fresh page at a desktop or a phone size (the phone with touch), requests outside localhost
    aborted; ``screen.kind`` says which."""
    phone = request.param == "phone"
    context = browser.new_context(viewport=SIZES[request.param], has_touch=phone, is_mobile=phone,
                                  service_workers="block")
    guarded = guard_page(context, is_local)
    guarded.kind = request.param
    yield guarded
    context.close()
