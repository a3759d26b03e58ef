"""Who a request comes from, and access control on every route (the Gradio UI's included).

* ``Identity``: the API key (hashed) when a valid bearer token is sent, else the signed browser
  cookie's session, else the client address. ``X-Forwarded-For`` counts only when the peer is a
  configured trusted proxy (``server.trusted_proxies``); then the last address not of a trusted
  proxy is the client. Rate limits are per identity.
* ``AccessGuard`` (ASGI): when ``server.api_key`` is set, every route except the public ones
  (health, the widget script and demo page, the API docs, and a browser's navigation to the chat
  page) needs the bearer key or the signed cookie. A browser that opens the chat page gets the
  cookie (HttpOnly, SameSite=Lax), so the web chat works without exposing the key; a script
  (gradio_client, curl) that calls the Gradio API without it gets 401. The Gradio calls that
  answer are rate-limited per identity like ``/api`` and ``/v1``. A widget embedded on a site
  of ``server.widget_origins`` gets a signed token from ``POST /widget/token`` and sends it as its
  bearer: the same signed session as the cookie, without exposing the key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "assistant_session"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/widget.js", "/demo", "/docs", "/redoc",
                          "/openapi.json", "/favicon.ico"})
#: Pages whose browser navigation is given the signed cookie (the chat, the widget demo).
PAGES = frozenset({"/", "/demo"})
#: Where an embedded widget on an allowed site gets its signed session token.
WIDGET_TOKEN_PATH = "/widget/token"
#: Gradio requests that start answering work (a chat turn); rate-limited per identity.
ANSWERING_MARKERS = ("/queue/join", "/call/", "/run/", "/api/predict")


class CookieSigner:
    """HMAC-signed ``<issued>.<nonce>.<mac>`` tokens that expire after ``max_age_s``."""

    def __init__(self, secret: bytes, max_age_s: float) -> None:
        self.secret = secret
        self.max_age_s = max_age_s

    def issue(self, now: float | None = None) -> str:
        body = f"{int(now if now is not None else time.time())}.{secrets.token_hex(12)}"
        return f"{body}.{self._mac(body)}"

    def session(self, token: str, now: float | None = None) -> str | None:
        """The token's session nonce, or None when it is forged, malformed or expired."""
        issued, _, rest = token.partition(".")
        nonce, _, mac = rest.partition(".")
        if not (issued.isdigit() and nonce and mac):
            return None
        if not hmac.compare_digest(mac, self._mac(f"{issued}.{nonce}")):
            return None
        age = (now if now is not None else time.time()) - int(issued)
        return nonce if 0 <= age <= self.max_age_s else None

    def _mac(self, body: str) -> str:
        return hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()


def make_signer(api_key: str | None, secret: str | None, max_age_s: float) -> CookieSigner:
    """From the configured secret, else derived from the API key, else random per process."""
    if secret:
        key = secret.encode()
    elif api_key:
        key = hmac.new(api_key.encode(), b"assistant-session-cookie", hashlib.sha256).digest()
    else:
        key = secrets.token_bytes(32)
    return CookieSigner(key, max_age_s)


@dataclass(frozen=True)
class Identity:
    kind: str  # key | session | address
    value: str
    authorized: bool  # carries the API key or a valid signed cookie

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


class Identifier:
    def __init__(self, api_key: str | None, signer: CookieSigner,
                 trusted_proxies: list[str]) -> None:
        self.api_key = api_key
        self.signer = signer
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def __call__(self, headers: dict[str, str], peer: str | None) -> Identity:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if self.api_key and scheme.lower() == "bearer" and hmac.compare_digest(
                token.encode(), self.api_key.encode()):
            return Identity("key", hashlib.sha256(token.encode()).hexdigest()[:24], True)
        bearer = token if scheme.lower() == "bearer" else ""  # a widget token, same signer
        session = self.signer.session(bearer or cookie(headers, COOKIE) or "")
        if session:
            return Identity("session", session, True)
        return Identity("address", self.address(headers, peer), not self.api_key)

    def address(self, headers: dict[str, str], peer: str | None) -> str:
        """The client address; X-Forwarded-For only through a configured trusted proxy."""
        addr = peer or "unknown"
        if not self._trusted(addr):
            return addr
        for hop in reversed([h.strip() for h in headers.get("x-forwarded-for", "").split(",")]):
            if hop and not self._trusted(hop):
                return hop
        return addr

    def _trusted(self, addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)


def cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def scope_headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def peer_of(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class AccessGuard:
    """See the module docstring. ``/api`` and ``/v1`` keep their own guard (``ApiGuard``) and
    slowapi limits; this one covers everything else."""

    def __init__(self, app: ASGIApp, identify: Identifier, limit: str,
                 api_prefixes: tuple[str, ...], cookie_max_age_s: int,
                 widget_origins: tuple[str, ...] = ()) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.app = app
        self.identify = identify
        self.api_prefixes = api_prefixes
        self.cookie_max_age_s = cookie_max_age_s
        self.widget_origins = frozenset(o.rstrip("/") for o in widget_origins)
        self.rate = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or any(path == p or path.startswith(p + "/")
                                          for p in self.api_prefixes):
            await self.app(scope, receive, send)
            return
        from assistant.serving.errors import error_response

        method, headers = scope["method"], scope_headers(scope)
        if method in ("TRACE", "CONNECT"):
            await error_response(405, f"method {method} is not allowed", "method_not_allowed",
                                 {"Allow": "GET, HEAD, POST, OPTIONS"})(scope, receive, send)
            return
        if path == WIDGET_TOKEN_PATH and method == "POST":
            await self._widget_token(scope, receive, send, headers.get("origin", ""))
            return
        who = self.identify(headers, peer_of(scope))
        if method in ("GET", "HEAD") and path in PAGES and _navigation(headers):
            await self._with_cookie(scope, receive, send, who)
            return
        if not who.authorized and path not in PUBLIC_PATHS and method != "OPTIONS":
            await error_response(401, "missing or invalid API key: send 'Authorization: Bearer "
                                 "<key>', or open the chat page in a browser",
                                 "invalid_api_key", {"WWW-Authenticate": "Bearer"})(
                scope, receive, send)
            return
        if method == "POST" and any(m in path for m in ANSWERING_MARKERS) and not self.limiter.hit(
                self.rate, "gradio", who.key):
            retry = max(1, int(self.rate.get_expiry()))
            await error_response(429, f"rate limit exceeded ({self.rate}); retry later",
                                 "rate_limit_exceeded", {"Retry-After": str(retry)})(
                scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _widget_token(self, scope: Scope, receive: Receive, send: Send,
                            origin: str) -> None:
        """A signed session token for a widget embedded on an allowed site (``Origin``), so the
        page needs no API key; it identifies and rate-limits like the browser cookie."""
        from fastapi.responses import JSONResponse

        from assistant.serving.errors import error_response

        if origin.rstrip("/") not in self.widget_origins:
            await error_response(403, "this site may not embed the widget without an API key "
                                 "(server.widget_origins)", "origin_not_allowed")(
                scope, receive, send)
            return
        body = {"token": self.identify.signer.issue(), "expires_in": self.cookie_max_age_s}
        await JSONResponse(body, headers={"Access-Control-Allow-Origin": origin,
                                          "Cache-Control": "no-store", "Vary": "Origin"})(
            scope, receive, send)

    async def _with_cookie(self, scope: Scope, receive: Receive, send: Send, who: Identity) -> None:
        """The chat page; a browser without a valid cookie gets a fresh signed one."""
        if who.kind == "session":
            await self.app(scope, receive, send)
            return
        value = (f"{COOKIE}={self.identify.signer.issue()}; Path=/; HttpOnly; SameSite=Lax; "
                 f"Max-Age={self.cookie_max_age_s}")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", value.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _navigation(headers: dict[str, str]) -> bool:
    """A browser opening the page (not a script fetching JSON config)."""
    return (headers.get("sec-fetch-mode") == "navigate"
            or "text/html" in headers.get("accept", ""))
