"""Access control on every answering route, the Gradio API's included, over real HTTP.

Real uvicorn on loopback, the real pipeline over the real index, the real Gradio UI, and the
real ``gradio_client``. With an API key set: scripts without the key get 401 everywhere that
answers; a browser opening the chat page gets a signed cookie instead of the key; rate limits
are per API key / browser session / address, and X-Forwarded-For counts only from a trusted proxy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.core.settings import Settings
from assistant.serving.access import COOKIE, CookieSigner, Identifier
from assistant.serving.app import create_app
from assistant.serving.background import background_server

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
BROWSER = {"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}
ANSWERING = [
    ("POST", "/api/chat", {"message": "Is magnesium safe?"}),
    ("POST", "/api/sessions", None),
    ("POST", "/v1/chat/completions", {"model": "x", "messages": [{"role": "user",
                                                                  "content": "hi"}]}),
    ("GET", "/v1/models", None),
    ("POST", "/gradio_api/run/admit", {"data": ["Is magnesium safe?"]}),
    ("POST", "/gradio_api/call/respond", {"data": [None]}),
    ("POST", "/gradio_api/queue/join", {"data": [None], "fn_index": 2, "session_hash": "abc"}),
    ("GET", "/gradio_api/info", None),
    ("GET", "/config", None),
]


@pytest.fixture(scope="module")
def pipeline(indexed_settings: Settings) -> Any:
    from assistant.answering.assembly import build_assistant

    return build_assistant(indexed_settings)


def _serve(settings: Settings, pipeline: Any, **server: Any) -> Any:
    s = settings.model_copy(update={"server": settings.server.model_copy(update=server)})
    return background_server(create_app(s, pipeline, ui=True))


def _ready(url: str) -> None:
    with httpx.Client(base_url=url) as c:
        deadline = time.monotonic() + 300
        while c.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)


@pytest.fixture(scope="module")
def keyed(indexed_settings: Settings, pipeline: Any) -> Iterator[str]:
    with _serve(indexed_settings, pipeline, api_key=KEY, rate_limit="1000/minute") as url:
        _ready(url)
        yield url


@pytest.mark.parametrize(("method", "path", "body"), ANSWERING)
def test_every_answering_route_refuses_a_script_without_the_key(
    keyed: str, method: str, path: str, body: Any
) -> None:
    with httpx.Client(base_url=keyed, timeout=60) as c:
        r = c.request(method, path, json=body)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"]["code"] == "invalid_api_key"
        forged = c.request(method, path, json=body,
                           headers={"Cookie": f"{COOKIE}=1.abc.{'0' * 64}"})
        assert forged.status_code == 401, path


def test_gradio_client_needs_the_key(keyed: str) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match=r"(?i)credentials|401|login"):
        Client(keyed, verbose=False)
    client = Client(keyed, headers=AUTH, verbose=False)
    shown = client.predict("Is magnesium glycinate safe with clonazepam?", api_name="/admit")
    assert "magnesium glycinate safe" in str(shown[0])


def test_a_browser_gets_a_signed_cookie_that_works_without_the_key(keyed: str) -> None:
    with httpx.Client(base_url=keyed, timeout=120) as c:
        assert c.get("/healthz").status_code == 200 and c.get("/widget.js").status_code == 200
        page = c.get("/", headers=BROWSER)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert KEY not in page.text
        # httpx keeps the cookie, as a browser would: the chat's API calls now pass
        assert c.get("/config").status_code == 200
        reply = c.post("/api/chat", json={"message": "Is magnesium glycinate safe with "
                                                     "clonazepam?"})
        assert reply.status_code == 200 and set(reply.json()["caveats"]) == {"renal", "osa",
                                                                              "taper"}


def test_rate_limits_are_per_identity_on_gradio_and_api_routes(
    indexed_settings: Settings, pipeline: Any
) -> None:
    with _serve(indexed_settings, pipeline, api_key=KEY, rate_limit="2/minute") as url:
        _ready(url)
        with httpx.Client(base_url=url, timeout=60) as c:
            runs = [c.post("/gradio_api/run/admit", json={"data": ["hello"]}, headers=AUTH)
                    for _ in range(3)]
            assert all(r.status_code != 429 for r in runs[:2])
            assert runs[2].status_code == 429 and int(runs[2].headers["retry-after"]) > 0
            models = [c.get("/v1/models", headers=AUTH).status_code for _ in range(3)]
            assert models == [200, 200, 429]
            # another identity (a browser session) has its own budget; a spoofed
            # X-Forwarded-For from an untrusted peer changes nothing
            c.get("/", headers=BROWSER)
            assert c.get("/v1/models").status_code == 200
            spoofed = [c.get("/v1/models", headers={**AUTH, "X-Forwarded-For": f"10.0.0.{i}"})
                       .status_code for i in range(2)]
            assert spoofed == [429, 429]


def test_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    signer = CookieSigner(b"k", 60)
    plain = Identifier(None, signer, [])
    assert plain({"x-forwarded-for": "1.2.3.4"}, "127.0.0.1").value == "127.0.0.1"
    proxied = Identifier(None, signer, ["127.0.0.1/32", "10.0.0.0/8"])
    headers = {"x-forwarded-for": "6.6.6.6, 1.2.3.4, 10.1.1.1"}
    assert proxied(headers, "127.0.0.1").value == "1.2.3.4"  # last hop not a trusted proxy
    assert proxied(headers, "8.8.8.8").value == "8.8.8.8"  # peer not trusted: header ignored
    assert proxied({"x-forwarded-for": "junk"}, "127.0.0.1").value == "junk"


def test_cookies_expire_and_cannot_be_forged() -> None:
    signer = CookieSigner(b"secret", 60)
    token = signer.issue(now=1000)
    assert signer.session(token, now=1030)
    assert signer.session(token, now=1100) is None
    assert CookieSigner(b"other", 60).session(token, now=1030) is None
    issued, nonce, mac = token.split(".")
    assert signer.session(f"{issued}.{nonce}x.{mac}", now=1030) is None
    assert signer.session("garbage", now=1030) is None


def test_a_widget_on_an_allowed_site_gets_a_token_instead_of_the_key(
        indexed_settings: Settings, pipeline: Any) -> None:
    shop, other = "https://shop.example", "https://elsewhere.example"
    with _serve(indexed_settings, pipeline, api_key=KEY, widget_origins=[shop]) as url:
        _ready(url)
        with httpx.Client(base_url=url, timeout=120) as c:
            refused = c.post("/widget/token", headers={"Origin": other})
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "origin_not_allowed"
            assert c.post("/widget/token").status_code == 403  # no Origin: not a widget
            granted = c.post("/widget/token", headers={"Origin": shop})
            assert granted.status_code == 200, granted.text
            assert granted.headers["access-control-allow-origin"] == shop
            token = granted.json()["token"]
            assert KEY not in granted.text
            widget = {"Origin": shop, "Authorization": f"Bearer {token}"}
            chat = c.post("/api/chat", headers=widget, json={"message": "Is magnesium safe?"})
            assert chat.status_code == 200, chat.text
            assert chat.headers["access-control-allow-origin"] == shop
            session = chat.json()["session_id"]
            assert c.get(f"/api/sessions/{session}", headers=widget).status_code == 200
            forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
            assert c.post("/api/sessions",
                          headers={"Authorization": f"Bearer {forged}"}).status_code == 401
            assert c.post("/api/sessions").status_code == 401
