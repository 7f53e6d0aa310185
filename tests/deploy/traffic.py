"""Raw loopback traffic for the deploy tests: HTTP requests and WebSocket handshakes written by hand.

Hand-written so a test controls every header (a foreign ``Origin``, a replica cookie) and can send a
burst of hundreds without a client library in the way. Loopback only: every helper refuses other hosts.
"""
from __future__ import annotations

import asyncio
import base64
import os
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: Playwright's sync API keeps an event loop running in the
    test's thread once a browser test ran in the session, and ``asyncio.run`` refuses to nest in it."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as err:  # noqa: BLE001 (re-raised in the test's thread)
            result["error"] = err

    thread = threading.Thread(target=target, name="deploy-test-loop")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[-1] if values else None

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for raw in self.headers.get("set-cookie", []):
            parsed = SimpleCookie()
            parsed.load(raw)
            jar.update({name: morsel.value for name, morsel in parsed.items()})
        return jar


def _check(host: str) -> None:
    if host not in LOOPBACK:
        raise ValueError(f"loopback only, not {host!r}")


async def request(host: str, port: int, method: str, path: str, headers: dict[str, str] | None = None,
                  body: bytes = b"", timeout: float = 30.0, read_body: bool = True) -> Reply:
    """One HTTP/1.1 request on its own connection (``Connection: close`` unless ``headers`` say otherwise);
    ``read_body=False`` returns after the response head (a WebSocket upgrade has no body to wait for)."""
    _check(host)
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        given = {k.lower(): (k, v) for k, v in (headers or {}).items()}
        lines = [f"{method} {path} HTTP/1.1", f"Host: {given.pop('host', ('', f'{host}:{port}'))[1]}",
                 f"Connection: {given.pop('connection', ('', 'close'))[1]}"]
        lines += [f"{k}: {v}" for k, v in given.values()]
        if body:
            # like curl: ask first, so a server that refuses the size (413) can say so before the body
            lines += [f"Content-Length: {len(body)}", "Expect: 100-continue"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout) if body else b""
        if head.startswith(b"HTTP/1.1 100"):
            writer.write(body)
            await writer.drain()
            head = b""
        if not head:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        data = await asyncio.wait_for(reader.read(), timeout) if read_body else b""
    finally:
        writer.close()
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            parsed.setdefault(name.strip().lower(), []).append(value.strip())
    return Reply(int(status_line.split(" ", 2)[1]), parsed, data, time.perf_counter() - started)


async def handshake(host: str, port: int, origin: str | None, cookies: dict[str, str] | None = None,
                    timeout: float = 60.0) -> Reply:
    """A WebSocket opening handshake on /_stcore/stream; returns the status (101 = accepted)."""
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
               "Sec-WebSocket-Protocol": "streamlit"}
    if origin is not None:
        headers["Origin"] = origin
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return await request(host, port, "GET", "/_stcore/stream", headers, timeout=timeout, read_body=False)


async def probe_while(host: str, port: int, task: asyncio.Future, path: str = "/_stcore/health",
                      every: float = 0.05) -> list[float]:
    """GET ``path`` again and again until ``task`` is done; the latency of each (seconds)."""
    latencies: list[float] = []
    while True:
        reply = await request(host, port, "GET", path)
        assert reply.status == 200, (path, reply.status)
        latencies.append(reply.seconds)
        if task.done():
            return latencies
        await asyncio.sleep(every)
