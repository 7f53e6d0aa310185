"""The request guard: what the atlas's server refuses or marks before Streamlit sees a request.

A plain ASGI middleware (no Streamlit, no Starlette imports), installed by ``dashboard/server.py``:

- **Foreign-origin WebSocket handshakes are refused at once** (HTTP 403). Streamlit 1.67 refuses them
  too, but only after a blocking, uncached external-IP lookup on the event loop for each attempt, which
  stalls every session on the server (docs/upstream/streamlit-websocket-origin-lookup.md). Allowed:
  no ``Origin`` (not a browser), the page's own origin (``Origin`` host == ``Host``), the loopback names
  Streamlit itself accepts without a lookup, and ``allowed_origins``.
- **Security headers** on every HTTP response: ``X-Content-Type-Options: nosniff`` and a
  ``Referrer-Policy``; on the app's HTML pages a framing policy (``frame-ancestors`` and, where it can
  say the same, ``X-Frame-Options``): same origin only, except embed views (``?embed=1`` or an embed
  path), which any site may frame unless ``ATLAS_EMBED_FRAME_ANCESTORS`` says otherwise. Component
  frames (``/component/...``, the map) may be framed wherever an atlas page may be.
- **``/_stcore/metrics``** (session counters) answers only clients on this machine that did not come
  through a proxy; others get 404. ``ATLAS_METRICS=open`` or ``off`` changes that.
- In a replica pool (deploy/), ``ATLAS_REPLICA_ID`` names the replica in an ``X-Atlas-Replica`` header,
  which the balancer turns into its affinity cookie (and does not pass on).

Every setting has an environment variable (``GuardPolicy.from_env``); docs/deploy.md lists them.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("atlas.guard")

#: Origins Streamlit 1.67 accepts without any network lookup (``server_util.is_url_from_allowed_origins``).
LOOPBACK_ORIGIN_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0"})  # noqa: S104 (a name, not a bind)
LOOPBACK_CLIENTS = frozenset({"127.0.0.1", "::1", "localhost"})
PROXY_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
METRICS_MODES = ("loopback", "open", "off")
COMPONENT_SEGMENT = "/component/"
METRICS_SUFFIX = "/_stcore/metrics"
REPLICA_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
LOG_EVERY_S = 60.0  # refused handshakes: one log line, then one summary per minute at most


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").replace(",", " ").split() if part.strip())


@dataclass(frozen=True)
class GuardPolicy:
    """What the guard allows. The defaults suit a classroom server; ``from_env`` reads the overrides."""

    allowed_origins: frozenset[str] = frozenset()  # extra page origins allowed to open the websocket
    frame_ancestors: str = "'self'"  # who may frame the app's pages
    embed_frame_ancestors: str = "*"  # who may frame an embed view (e.g. a school's LMS)
    embed_params: tuple[str, ...] = ("embed",)  # ?embed=1 / ?embed=true marks an embed view
    embed_paths: tuple[str, ...] = ()  # path prefixes that are embed views, e.g. "/embed"
    referrer_policy: str = "same-origin"  # full address to ourselves, nothing to other sites
    metrics: str = "loopback"  # loopback | open | off
    replica_id: str = ""  # in a replica pool: sent as X-Atlas-Replica so the balancer can pin the browser

    def __post_init__(self) -> None:
        if self.replica_id and not REPLICA_ID.fullmatch(self.replica_id):
            raise ValueError(f"ATLAS_REPLICA_ID must be 1-32 letters, digits, '-' or '_', not {self.replica_id!r}")
        if self.metrics not in METRICS_MODES:
            raise ValueError(f"ATLAS_METRICS must be one of {', '.join(METRICS_MODES)}, not {self.metrics!r}")
        for name in ("frame_ancestors", "embed_frame_ancestors", "referrer_policy"):
            value = getattr(self, name)
            if not value or any(ch in value for ch in "\r\n;,"):
                raise ValueError(f"{name} must be one header value without ';', ',' or line breaks: {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str], extra_origins: Iterable[str] = ()) -> GuardPolicy:
        """The policy from ``ATLAS_*`` variables; ``extra_origins``: e.g. Streamlit's ``server.corsAllowedOrigins``."""
        default = cls()
        origins = {o.rstrip("/").lower() for o in (*_split(environ.get("ATLAS_ALLOWED_ORIGINS")), *extra_origins)
                   if o.strip() and o.strip() != "*"}
        return cls(
            allowed_origins=frozenset(origins),
            frame_ancestors=environ.get("ATLAS_FRAME_ANCESTORS", "").strip() or default.frame_ancestors,
            embed_frame_ancestors=environ.get("ATLAS_EMBED_FRAME_ANCESTORS", "").strip()
            or default.embed_frame_ancestors,
            embed_params=_split(environ.get("ATLAS_EMBED_PARAMS")) or default.embed_params,
            embed_paths=_split(environ.get("ATLAS_EMBED_PATHS")),
            referrer_policy=environ.get("ATLAS_REFERRER_POLICY", "").strip() or default.referrer_policy,
            metrics=environ.get("ATLAS_METRICS", "").strip().lower() or default.metrics,
            replica_id=environ.get("ATLAS_REPLICA_ID", "").strip(),
        )

    # --- decisions (pure; the middleware below only applies them) ---------------------------------

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """May a page from ``origin`` open the websocket of the server reached as ``host``?"""
        if origin is None:
            return True  # not a browser (browsers always send Origin on a websocket handshake)
        parts = urlsplit(origin.strip())
        try:
            parts.port  # noqa: B018 (raises on a malformed port such as "8501.evil.example")
        except ValueError:
            return False
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            return False  # "null" (sandboxed frames, file://) and anything odd
        if host and parts.netloc.lower() == host.strip().lower():
            return True
        if (parts.hostname or "") in LOOPBACK_ORIGIN_HOSTS:
            return True
        return f"{parts.scheme}://{parts.netloc}".lower() in self.allowed_origins

    def is_embed(self, path: str, query_string: str) -> bool:
        if any(path == p or path.startswith(p.rstrip("/") + "/") for p in self.embed_paths):
            return True
        params = parse_qsl(query_string, keep_blank_values=True)
        return any(key in self.embed_params and value.strip().lower() in TRUE_VALUES for key, value in params)

    def frame_headers(self, path: str, query_string: str) -> list[tuple[bytes, bytes]]:
        """``Content-Security-Policy: frame-ancestors`` (and ``X-Frame-Options`` where it can say the same)."""
        if COMPONENT_SEGMENT in path:
            ancestors = self.embed_frame_ancestors if self.embed_frame_ancestors == "*" \
                else " ".join(dict.fromkeys(f"{self.frame_ancestors} {self.embed_frame_ancestors}".split()))
        elif self.is_embed(path, query_string):
            ancestors = self.embed_frame_ancestors
        else:
            ancestors = self.frame_ancestors
        headers = [(b"content-security-policy", f"frame-ancestors {ancestors}".encode("latin-1"))]
        legacy = {"'self'": b"SAMEORIGIN", "'none'": b"DENY"}.get(ancestors)
        if legacy:
            headers.append((b"x-frame-options", legacy))
        return headers

    def metrics_allowed(self, client: str | None, headers: Mapping[bytes, bytes]) -> bool:
        if self.metrics == "open":
            return True
        if self.metrics == "off":
            return False
        return client in LOOPBACK_CLIENTS and not any(h in headers for h in PROXY_HEADERS)


@dataclass
class _RefusalLog:
    """Refused handshakes are logged once, then summarised at most once a minute (no log flood)."""

    count: int = 0
    last_logged: float = field(default=-LOG_EVERY_S)

    def note(self, origin: str | None, host: str | None) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last_logged >= LOG_EVERY_S:
            log.warning("refused %d websocket handshake(s) from other sites (last: origin=%r host=%r)",
                        self.count, (origin or "")[:100], (host or "")[:100])
            self.count, self.last_logged = 0, now


class RequestGuard:
    """ASGI middleware applying a ``GuardPolicy`` in front of Streamlit's app."""

    def __init__(self, app: ASGIApp, policy: GuardPolicy | None = None) -> None:
        self.app = app
        self.policy = policy or GuardPolicy()
        self.refused = _RefusalLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", None)
        host = headers.get(b"host", None)
        origin_text = origin.decode("latin-1") if origin is not None else None
        host_text = host.decode("latin-1") if host is not None else None
        if self.policy.origin_allowed(origin_text, host_text):
            await self.app(scope, receive, send)
            return
        self.refused.note(origin_text, host_text)
        message = await receive()  # websocket.connect
        if message.get("type") == "websocket.connect":
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") or "/"
        headers = dict(scope.get("headers") or [])
        if path.endswith(METRICS_SUFFIX):
            client = (scope.get("client") or (None, None))[0]
            if not self.policy.metrics_allowed(client, headers):
                await _plain(send, 404, b"Not found")
                return
        query = (scope.get("query_string") or b"").decode("latin-1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._response_headers(message.get("headers") or [], path, query)}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _response_headers(self, headers: Iterable[tuple[bytes, bytes]], path: str, query: str
                          ) -> list[tuple[bytes, bytes]]:
        out = list(headers)
        names = {name.lower() for name, _ in out}
        if b"x-content-type-options" not in names:
            out.append((b"x-content-type-options", b"nosniff"))
        if b"referrer-policy" not in names:
            out.append((b"referrer-policy", self.policy.referrer_policy.encode("latin-1")))
        if self.policy.replica_id:
            out.append((b"x-atlas-replica", self.policy.replica_id.encode("ascii")))
        content_type = next((value for name, value in out if name.lower() == b"content-type"), b"")
        if content_type.lower().startswith(b"text/html"):
            framing = self.policy.frame_headers(path, query)
            framing_names = {name for name, _ in framing}
            out = [(n, v) for n, v in out if n.lower() not in framing_names] + framing
        return out


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})
