"""Browser end-to-end fixtures: system Chromium, live Streamlit servers, an offline page.

Never run ``playwright install`` here: it downloads a browser from a CDN. The tests use the
Debian ``chromium`` package (``scripts/ensure_chromium.sh``). Without it the e2e tests are
skipped, unless ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import REPO_ROOT
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, WebSocketRoute

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
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class _Server:
    process: subprocess.Popen
    url: str
    log: Path


def _wait_healthy(server: _Server, script: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"streamlit run {script} exited with code {server.process.returncode} before it "
                f"became healthy. Its output:\n{server.log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            server.process.kill()
            raise RuntimeError(
                f"streamlit run {script} was not healthy after {SERVER_START_TIMEOUT:.0f} s. "
                f"Its output:\n{server.log.read_text(errors='replace')}"
            )
        time.sleep(0.1)


@pytest.fixture(scope="session")
def streamlit_app() -> Iterator[Callable[[str | Path], str]]:
    """Factory: ``streamlit_app("bench/baseline_app.py")`` -> base URL of a live server.

    One server per script for the whole session, started from the repo root (so the repo's
    .streamlit/config.toml applies), bound to 127.0.0.1 on a free port, with static serving
    on and the file watcher off. Static files come from ``<script dir>/static``.
    """
    servers: dict[Path, _Server] = {}
    logdir = Path(tempfile.mkdtemp(prefix="atlas-e2e-"))

    def start(script_path: str | Path) -> str:
        script = Path(script_path)
        script = (script if script.is_absolute() else REPO_ROOT / script).resolve()
        if script in servers:
            return servers[script].url
        if not script.is_file():
            raise FileNotFoundError(script)
        port = _free_port()
        log = logdir / f"{script.stem}-{port}.log"
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.enableStaticServing", "true",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen(
                cmd, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        server = _Server(process, f"http://127.0.0.1:{port}", log)
        servers[script] = server
        _wait_healthy(server, script)
        return server.url

    yield start

    for server in servers.values():
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=5)


# --- an offline page -----------------------------------------------------------------------


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome-error"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class OfflinePage:
    """A Playwright page whose requests may only go to localhost.

    ``external_requests``: every request (HTTP or WebSocket) to another host; each was aborted.
    ``console_errors`` / ``page_errors``: console.error messages and uncaught exceptions.
    ``bad_responses``: local responses with status >= 400 (e.g. a missing vendored file).
    """

    page: Page
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No request left localhost, no console error, no uncaught exception, no 4xx/5xx."""
        problems = {
            "external requests": self.external_requests,
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "bad responses": self.bad_responses,
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"offline page problems: {found}"


@pytest.fixture
def offline_page(context: BrowserContext) -> OfflinePage:
    """A fresh page in pytest-playwright's context, with every non-local request aborted."""
    page = context.new_page()
    result = OfflinePage(page)

    def on_route(route: Route) -> None:
        url = route.request.url
        if _is_local(url):
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
        if response.status >= 400 and _is_local(response.url):
            result.bad_responses.append(f"{response.status} {response.url}")

    context.route("**/*", on_route)
    context.route_web_socket(lambda url: not _is_local(url), on_websocket)
    page.on("console", on_console)
    page.on("pageerror", lambda error: result.page_errors.append(str(error)))
    page.on("response", on_response)
    return result
