"""Real-browser tests: Chromium (Playwright) against the real app served by uvicorn.

Real pipeline, real index (``indexed_settings``), real server (``create_app``). Screenshots go
to ``eval/reports/screenshots/``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = Path(__file__).resolve().parent.parent / "eval" / "reports" / "screenshots"
FOLLOW_UP = "What if my creatinine clearance is 25?"
XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"> Is magnesium safe?'
ANSWER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def real_answerer(indexed_settings: Settings) -> Any:
    from assistant.answering.assembly import build_assistant

    answerer = build_assistant(indexed_settings)
    answerer.warm_up()
    return answerer


@pytest.fixture(scope="module")
def base_url(indexed_settings: Settings, real_answerer: Any) -> Iterator[str]:
    from assistant.serving.app import create_app
    from assistant.serving.background import background_server

    with background_server(create_app(indexed_settings, real_answerer)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _seed_question(settings: Settings) -> str:
    first = sorted(settings.corpus_dir.glob("*.txt"))[0]
    return first.read_text(encoding="utf-8").splitlines()[0].strip()


def _open_chat(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#message textarea", timeout=60_000)


def _ask(page: Any, text: str) -> Any:
    """Send a message and wait for its final reply; returns the last bot bubble."""
    before = page.locator("#transcript .msg.bot").count()
    page.fill("#message textarea", text)
    page.click("#send")
    bubble = page.locator("#transcript .msg.bot").nth(before)
    bubble.locator(".reply.answered, .reply.refused").wait_for(timeout=ANSWER_TIMEOUT_MS)
    return bubble


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_chat_cites_follows_up_takes_feedback_and_resets(
    page: Any, base_url: str, indexed_settings: Settings
) -> None:
    _open_chat(page, base_url)
    seed = _seed_question(indexed_settings)
    page.fill("#message textarea", seed)
    page.click("#send")
    status = page.locator("#transcript .reply.status")
    status.wait_for(timeout=10_000)
    assert "Searching the documents" in status.inner_text()
    answer = page.locator("#transcript .msg.bot").nth(0)
    answer.locator(".reply.answered").wait_for(timeout=ANSWER_TIMEOUT_MS)

    markers = answer.locator("a.cite")
    assert markers.count() >= 1
    safety = answer.locator(".safety")
    assert safety.is_visible() and "Safety notes" in safety.inner_text()
    assert safety.locator("a.cite").count() >= 1
    _shot(page, "chat-answer.png")

    first = answer.locator("details.source").first
    assert first.get_attribute("open") is None
    markers.first.click()
    page.wait_for_function(
        "id => document.getElementById(id) && document.getElementById(id).open",
        arg=markers.first.get_attribute("data-cite"),
    )
    opened = answer.locator(f"#{markers.first.get_attribute('data-cite')}")
    quote = opened.locator(".passage mark")
    assert quote.is_visible() and len(quote.inner_text().strip()) > 10
    assert opened.locator(".src-title").inner_text().strip()
    _shot(page, "citation-open.png")

    page.click("#thumbs-up")
    page.locator("#feedback-status .thanks").wait_for(timeout=10_000)
    rows = sqlite3.connect(indexed_settings.data_dir / "feedback.db").execute(
        "SELECT rating, question, answer, citations FROM feedback").fetchall()
    assert any(r[0] == "up" and r[1] == seed and "[1]" in r[2] and '"quote"' in r[3]
               for r in rows)

    follow = _ask(page, FOLLOW_UP)
    assert "30" in follow.locator(".reply").inner_text()
    assert page.locator("#transcript .msg.user").count() == 2
    _shot(page, "follow-up.png")

    page.click("#new-conversation")
    page.locator("#transcript .welcome").wait_for(timeout=10_000)
    assert page.locator("#transcript .msg").count() == 0


def test_script_in_a_message_renders_as_text(page: Any, base_url: str) -> None:
    _open_chat(page, base_url)
    _ask(page, XSS)
    user = page.locator("#transcript .msg.user .bubble").first
    assert user.inner_text().strip() == XSS
    assert page.locator("#transcript script").count() == 0
    assert page.locator("#transcript img").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []
    _shot(page, "xss.png")


def test_widget_on_demo_page_answers_with_citations(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/demo")
    page.get_by_test_id("ea-bubble").click()
    page.get_by_test_id("ea-input").fill("Is it safe to take 120mg magnesium glycinate with "
                                         "0.5mg clonazepam?")
    page.get_by_test_id("ea-send").click()
    reply = page.get_by_test_id("ea-answer").last
    reply.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert reply.get_by_test_id("ea-cite").count() >= 1
    notes = reply.get_by_test_id("ea-notes")
    assert notes.is_visible() and "safety" in notes.inner_text().lower()
    reply.get_by_test_id("ea-cite").first.click()
    page.get_by_test_id("ea-citation").first.wait_for(timeout=10_000)
    assert page.dialogs == []
    _shot(page, "widget.png")


def test_full_queue_says_busy_and_keeps_the_message(
    browser: Any, indexed_settings: Settings, real_answerer: Any
) -> None:
    """One worker, queue of one: the third concurrent question is turned away clearly."""
    from assistant.serving.app import create_app
    from assistant.serving.background import background_server
    from assistant.serving.web import BUSY_MESSAGE

    settings = indexed_settings.model_copy(update={"server": indexed_settings.server.model_copy(
        update={"concurrency_limit": 1, "max_queue": 1})})
    slow = _SlowAnswerer(real_answerer, delay_s=6.0)
    with background_server(create_app(settings, slow)) as url:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        try:
            pages = [context.new_page() for _ in range(3)]
            for p in pages:
                _open_chat(p, url)
            for i, p in enumerate(pages[:2]):
                p.fill("#message textarea", f"Is magnesium glycinate safe? ({i})")
                p.click("#send")
                p.locator("#transcript .reply.status").wait_for(timeout=10_000)
            _wait_until(lambda: slow.started >= 1)
            third = pages[2]
            third.fill("#message textarea", "Can I stop clonazepam suddenly?")
            third.click("#send")
            third.locator("#notice .busy").filter(has_text=BUSY_MESSAGE).wait_for(timeout=10_000)
            assert third.input_value("#message textarea") == "Can I stop clonazepam suddenly?"
            assert third.locator("#transcript .msg").count() == 0
            _shot(third, "busy.png")
            for p in pages[:2]:
                p.locator("#transcript .reply.answered, #transcript .reply.refused").wait_for(
                    timeout=ANSWER_TIMEOUT_MS)
        finally:
            context.close()


def _wait_until(cond: Any, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


class _SlowAnswerer:
    """The real pipeline, made slow so the queue fills up deterministically."""

    def __init__(self, inner: Any, delay_s: float) -> None:
        self.inner, self.delay_s, self.started = inner, delay_s, 0

    def new_session(self) -> str:
        return str(self.inner.new_session())

    def history(self, session_id: str) -> Any:
        return self.inner.history(session_id)

    def ask(self, message: str, session_id: str | None = None) -> Any:
        return self.inner.ask(message, session_id)

    def stream(self, message: str, session_id: str | None = None) -> Iterator[Any]:
        self.started += 1
        time.sleep(self.delay_s)
        yield from self.inner.stream(message, session_id)
