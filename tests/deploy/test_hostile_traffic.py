"""One server (``python -m dashboard``, as ``make run`` starts it) against hostile and cheap traffic.

The security review's F3: a web page in another tab can make the browser open WebSocket handshakes to
the classroom server; Streamlit 1.67 answers each foreign-origin one only after a blocking, uncached
external-IP lookup on its event loop, so 50 at once stalled every session for 15-20 s. The request
guard (dashboard/http_guard.py) refuses them before Streamlit sees them. Loopback only; bounded counts.
"""
from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _common import APP, Server, start_server
from load import Session
from traffic import handshake, probe_while, request, run

from dashboard.__main__ import DEFAULT_ADDRESS

HOST = "127.0.0.1"
BURST = 60  # foreign-origin handshakes at once (the review: 20 stalled 5 s, 50 stalled 15-20 s)
STALL_BOUND_S = 3.0  # generous: a health check takes milliseconds; the unguarded server stalled 15 s
STREAMLIT_LOOKUP = "Did not auto detect external IP"  # logged by each failed lookup
STREAMLIT_REFUSAL = "Rejecting WebSocket connection"  # logged when Streamlit itself refused one


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The atlas started with no ``--server.address``, exactly as the start command's default binds it."""
    running = start_server(APP, Path(tempfile.mkdtemp(prefix="atlas-hostile-")), address=None)
    yield running
    running.stop()


def _log_since(server: Server, offset: int) -> str:
    return server.log.read_bytes()[offset:].decode("utf-8", "replace")


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_the_start_command_listens_on_this_computer_only_by_default(server: Server) -> None:
    assert DEFAULT_ADDRESS == "127.0.0.1"
    # 0100007F is 127.0.0.1 as the kernel writes it; all-interfaces would be 00000000 or 000...000 (::)
    assert _listening_addresses(server.port) == {"0100007F"}


def test_a_burst_of_foreign_origin_handshakes_never_stalls_another_session(server: Server) -> None:
    async def scenario() -> tuple[list, list, list[float]]:
        student = Session(0, server.port, step_timeout=60)
        await student.initial_load()  # a student with the Explore page open
        cheap = [("GET", "/"), ("GET", "/_stcore/health"), ("GET", "/_stcore/host-config"),
                 ("GET", "/no/such/page"), ("HEAD", "/"), ("OPTIONS", "/_stcore/host-config"),
                 ("PUT", "/_stcore/upload_file/not-a-session/x"), ("GET", "/app/static/../../etc/passwd")]
        burst = asyncio.gather(
            *(handshake(HOST, server.port, origin="http://evil.example") for _ in range(BURST)),
            *(request(HOST, server.port, method, path, {"Origin": "http://evil.example"})
              for _ in range(5) for method, path in cheap))
        probe = asyncio.create_task(probe_while(HOST, server.port, burst))
        await student.era_change()  # the slider moves while the burst is in flight (raises if the run fails)
        replies = await burst
        latencies = await probe
        await student.close()
        return replies[:BURST], replies[BURST:], latencies

    offset = server.log.stat().st_size
    handshakes, others, latencies = run(asyncio.wait_for(scenario(), 120))
    log = _log_since(server, offset)

    assert [r.status for r in handshakes] == [403] * BURST
    assert STREAMLIT_LOOKUP not in log, "Streamlit looked up the external IP: the guard let a handshake through"
    assert STREAMLIT_REFUSAL not in log, "Streamlit saw a foreign-origin handshake"
    assert log.count("refused") <= 1, "refused handshakes must not flood the log"
    assert all(r.status < 500 for r in others), sorted({(r.status) for r in others})
    assert max(latencies) < STALL_BOUND_S, f"health checks stalled during the burst: {max(latencies):.1f} s"


def test_own_origin_and_no_origin_handshakes_are_still_accepted(server: Server) -> None:
    async def both() -> list[int]:
        own = await handshake(HOST, server.port, origin=f"http://{HOST}:{server.port}")
        bare = await handshake(HOST, server.port, origin=None)
        return [own.status, bare.status]

    assert run(both()) == [101, 101]


def test_html_responses_carry_the_security_headers(server: Server) -> None:
    async def fetch(path: str, headers: dict[str, str] | None = None):
        return await request(HOST, server.port, "GET", path, headers)

    page = run(fetch("/?page=compare"))
    assert page.status == 200 and page.header("content-type").startswith("text/html")
    assert page.header("x-content-type-options") == "nosniff"
    assert page.header("referrer-policy") == "same-origin"
    assert page.header("content-security-policy") == "frame-ancestors 'self'"
    assert page.header("x-frame-options") == "SAMEORIGIN"
    embed = run(fetch("/?embed=1"))
    assert embed.header("content-security-policy") == "frame-ancestors *" and not embed.header("x-frame-options")


def test_metrics_answer_this_computer_but_not_through_a_proxy(server: Server) -> None:
    direct = run(request(HOST, server.port, "GET", "/_stcore/metrics"))
    proxied = run(request(HOST, server.port, "GET", "/_stcore/metrics", {"X-Forwarded-For": "192.0.2.9"}))
    assert direct.status == 200 and b"session" in direct.body
    assert proxied.status == 404


# --- size limits the server itself enforces --------------------------------------------------------


def _multipart(data: bytes, boundary: str = "atlas-test-boundary") -> tuple[bytes, str]:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"uploadedFile\"; filename=\"area.geojson\"\r\n"
            "Content-Type: application/geo+json\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_the_upload_endpoint_takes_every_file_the_uploader_lets_through(server: Server) -> None:
    """A file of exactly MAX_UPLOAD_BYTES (the uploader's stated limit) fits the endpoint with its framing;
    above the endpoint's own limit it answers 413 (the security review found exactly 10 MiB refused)."""
    from dashboard.upload import MAX_UPLOAD_BYTES

    async def put_sizes(sizes: list[int]) -> list[int]:
        student = Session(0, server.port, step_timeout=60)
        await student.initial_load()
        xsrf = student.cookies["_streamlit_xsrf"]
        statuses = []
        for index, size in enumerate(sizes):
            body, content_type = _multipart(b" " * size)
            reply = await request(HOST, server.port, "PUT", f"/_stcore/upload_file/{student.session_id}/f{index}",
                                  {"Content-Type": content_type, "X-Xsrftoken": xsrf,
                                   "Cookie": f"_streamlit_xsrf={xsrf}"}, body=body)
            statuses.append(reply.status)
        await student.close()
        return statuses

    endpoint_limit = _config()["server"]["maxUploadSize"] * 1024 * 1024
    statuses = run(put_sizes([MAX_UPLOAD_BYTES, endpoint_limit + 1]))
    assert statuses[0] in {200, 204}, statuses
    assert statuses[1] == 413, statuses


def test_a_websocket_message_above_max_message_size_closes_only_that_connection(server: Server) -> None:
    import websockets

    limit = _config()["server"]["maxMessageSize"] * 1_000_000

    async def oversize() -> int | None:
        student = Session(0, server.port, step_timeout=60)
        await student.initial_load()
        try:
            await student.ws.send(b"\0" * (limit + 1))
            await asyncio.wait_for(student.ws.recv(), 30)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        finally:
            await student.close()
        return None

    assert run(oversize()) == 1009  # "message too big"
    assert run(request(HOST, server.port, "GET", "/_stcore/health")).status == 200


def _config() -> dict:
    import tomllib

    from dashboard.core.paths import REPO_ROOT

    return tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
