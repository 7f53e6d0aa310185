"""The request guard (dashboard/http_guard.py) on plain ASGI messages: no server, no network."""
from __future__ import annotations

from typing import Any

import pytest

from dashboard.http_guard import GuardPolicy, RequestGuard


class Inner:
    """A stand-in for Streamlit's app: records what reached it and answers with ``content_type``."""

    def __init__(self, content_type: bytes = b"text/html; charset=utf-8") -> None:
        self.calls: list[dict[str, Any]] = []
        self.content_type = content_type

    async def __call__(self, scope, receive, send) -> None:
        self.calls.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", self.content_type)]})
            await send({"type": "http.response.body", "body": b"ok"})
        else:
            await receive()
            await send({"type": "websocket.accept"})


def run(guard: RequestGuard, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"} if scope["type"] == "websocket" else
                {"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    _drive(guard(scope, receive, send))
    return sent


def _drive(coroutine) -> None:
    """Run a coroutine that never waits on anything (the fakes here answer at once), without an event
    loop: a test session with browser tests keeps Playwright's loop running in this thread."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise AssertionError("the guard waited on something the fakes never provide")


def ws_scope(origin: str | None, host: str = "127.0.0.1:8501") -> dict[str, Any]:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin is not None else [])
    return {"type": "websocket", "path": "/_stcore/stream", "headers": headers, "query_string": b""}


def http_scope(path: str = "/", query: bytes = b"", client: str = "127.0.0.1",
               headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "query_string": query,
            "headers": [(b"host", b"127.0.0.1:8501"), *(headers or [])], "client": (client, 50000)}


def response_headers(sent: list[dict[str, Any]]) -> dict[bytes, bytes]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    return {name.lower(): value for name, value in start["headers"]}


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1.evil.example:8501", "null",
                                    "http://192.0.2.7:8501", "file://", "http://127.0.0.1:8501.evil.example"])
def test_foreign_origin_handshakes_are_refused_before_streamlit_sees_them(origin: str) -> None:
    inner = Inner()
    sent = run(RequestGuard(inner), ws_scope(origin))
    assert inner.calls == []
    assert sent == [{"type": "websocket.close", "code": 1008}]  # before accept: uvicorn answers HTTP 403


@pytest.mark.parametrize("origin, host", [
    (None, "127.0.0.1:8501"),  # not a browser
    ("http://127.0.0.1:8501", "127.0.0.1:8501"),  # the page's own origin
    ("http://192.168.1.10:8501", "192.168.1.10:8501"),  # a student on the classroom LAN
    ("HTTP://Atlas.School.Example", "atlas.school.example"),
    ("http://localhost:3000", "127.0.0.1:8501"),  # loopback names Streamlit accepts without a lookup
])
def test_own_and_loopback_origins_pass_through(origin: str | None, host: str) -> None:
    inner = Inner()
    sent = run(RequestGuard(inner), ws_scope(origin, host))
    assert len(inner.calls) == 1
    assert sent == [{"type": "websocket.accept"}]


def test_allowed_origins_come_from_the_environment_and_streamlits_cors_list() -> None:
    policy = GuardPolicy.from_env({"ATLAS_ALLOWED_ORIGINS": "https://lms.school.example/, *"},
                                  extra_origins=["https://other.example"])
    assert policy.allowed_origins == {"https://lms.school.example", "https://other.example"}
    assert policy.origin_allowed("https://lms.school.example", "atlas.example")
    assert not policy.origin_allowed("https://evil.example", "atlas.example")
    assert not GuardPolicy.from_env({"ATLAS_ALLOWED_ORIGINS": "*"}).origin_allowed("https://x.example", "a")


def test_html_pages_get_nosniff_referrer_policy_and_same_origin_framing() -> None:
    headers = response_headers(run(RequestGuard(Inner()), http_scope("/compare")))
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"same-origin"
    assert headers[b"content-security-policy"] == b"frame-ancestors 'self'"
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"


@pytest.mark.parametrize("query", [b"embed=1", b"page=explore&embed=true", b"EMBED=1&embed=yes"])
def test_an_embed_view_may_be_framed_by_any_site_by_default(query: bytes) -> None:
    headers = response_headers(run(RequestGuard(Inner()), http_scope("/", query)))
    assert headers[b"content-security-policy"] == b"frame-ancestors *"
    assert b"x-frame-options" not in headers


def test_embed_framing_is_configurable_by_param_path_and_ancestors() -> None:
    policy = GuardPolicy.from_env({"ATLAS_EMBED_FRAME_ANCESTORS": "'self' https://lms.school.example",
                                   "ATLAS_EMBED_PATHS": "/embed", "ATLAS_FRAME_ANCESTORS": "'none'"})
    guard = RequestGuard(Inner(), policy)
    assert response_headers(run(guard, http_scope("/embed/explore")))[b"content-security-policy"] == \
        b"frame-ancestors 'self' https://lms.school.example"
    plain = response_headers(run(guard, http_scope("/", b"embed=0")))
    assert plain[b"content-security-policy"] == b"frame-ancestors 'none'"
    assert plain[b"x-frame-options"] == b"DENY"
    # a component frame (the map) sits inside an atlas page wherever that page may be framed
    component = response_headers(run(guard, http_scope("/component/streamlit_folium.st_folium/index.html")))
    assert component[b"content-security-policy"] == b"frame-ancestors 'none' 'self' https://lms.school.example"


def test_non_html_responses_get_nosniff_but_no_framing_headers() -> None:
    headers = response_headers(run(RequestGuard(Inner(b"application/javascript")), http_scope("/static/js/x.js")))
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert b"content-security-policy" not in headers


@pytest.mark.parametrize("client, extra, mode, allowed", [
    ("127.0.0.1", [], "loopback", True),
    ("::1", [], "loopback", True),
    ("192.168.1.23", [], "loopback", False),  # a student on the LAN
    ("127.0.0.1", [(b"x-forwarded-for", b"203.0.113.9")], "loopback", False),  # through a proxy
    ("192.168.1.23", [], "open", True),
    ("127.0.0.1", [], "off", False),
])
def test_metrics_answer_only_direct_loopback_clients(client: str, extra: list, mode: str, allowed: bool) -> None:
    inner = Inner(b"application/openmetrics-text")
    sent = run(RequestGuard(inner, GuardPolicy(metrics=mode)), http_scope("/_stcore/metrics", client=client,
                                                                           headers=extra))
    assert (len(inner.calls) == 1) is allowed
    assert response_headers(sent) and sent[0]["status"] == (200 if allowed else 404)


@pytest.mark.parametrize("env", [{"ATLAS_METRICS": "sometimes"}, {"ATLAS_FRAME_ANCESTORS": "'self'; script-src *"},
                                 {"ATLAS_REFERRER_POLICY": "a\r\nSet-Cookie: x=1"}])
def test_a_bad_setting_is_refused_with_its_name(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="ATLAS_METRICS|frame_ancestors|referrer_policy"):
        GuardPolicy.from_env(env)


def test_a_replica_names_itself_for_the_balancer_only_when_told() -> None:
    assert b"x-atlas-replica" not in response_headers(run(RequestGuard(Inner()), http_scope("/")))
    named = RequestGuard(Inner(b"text/plain"), GuardPolicy.from_env({"ATLAS_REPLICA_ID": "r2"}))
    assert response_headers(run(named, http_scope("/_stcore/health")))[b"x-atlas-replica"] == b"r2"
    with pytest.raises(ValueError, match="ATLAS_REPLICA_ID"):
        GuardPolicy.from_env({"ATLAS_REPLICA_ID": "r2\r\nSet-Cookie: x=1"})
