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
    # the status line is replaced by the answer as soon as it is ready: record every status
    # text shown, so a fast answer cannot hide it between two polls
    page.evaluate("""() => {
        window.__statuses = [];
        new MutationObserver(() => document.querySelectorAll('#transcript .reply.status')
            .forEach(e => window.__statuses.push(e.innerText)))
          .observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.click("#send")
    page.wait_for_function(
        "() => window.__statuses.some(s => s.includes('Searching the documents'))",
        timeout=10_000)
    answer = page.locator("#transcript .msg.bot").nth(0)
    answer.locator(".reply.answered").wait_for(timeout=ANSWER_TIMEOUT_MS)

    markers = answer.locator("a.cite")
    assert markers.count() >= 1
    safety = answer.locator(".safety")
    assert safety.is_visible() and "Safety notes" in safety.inner_text()
    assert safety.locator("a.cite").count() >= 1
    _shot(page, "chat-answer.png")

    # sources: one entry per document, titled, quotes inside; file names behind a toggle
    docs = answer.locator("details.doc")
    titles = [t.strip() for t in docs.locator(".src-title").all_inner_texts()]
    assert titles and len(titles) == len(set(titles))
    assert docs.count() <= answer.locator("details.source").count()
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
    meta = opened.locator(".src-meta")
    assert not meta.is_visible()
    answer.locator(".meta-toggle").check()
    assert meta.is_visible() and "characters" in meta.inner_text()
    _shot(page, "citation-open.png")

    follow = _ask(page, FOLLOW_UP)
    assert "30" in follow.locator(".reply").inner_text()
    assert page.locator("#transcript .msg.user").count() == 2
    _shot(page, "follow-up.png")

    page.click("#new-conversation")
    page.locator("#transcript .welcome").wait_for(timeout=10_000)
    assert page.locator("#transcript .msg").count() == 0


def test_copy_and_per_message_feedback_are_recorded(
    browser: Any, base_url: str, indexed_settings: Settings
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        _open_chat(page, base_url)
        first = _ask(page, _seed_question(indexed_settings))
        second = _ask(page, FOLLOW_UP)
        first_id = first.locator(".actions").get_attribute("data-message")
        second_id = second.locator(".actions").get_attribute("data-message")
        assert first_id and second_id and first_id != second_id
        assert first.locator("[data-action=regenerate]").count() == 0
        assert second.locator("[data-action=regenerate]").count() == 1

        first.locator("[data-action=copy]").click()
        page.locator("#notice .thanks").filter(has_text="Copied").wait_for(timeout=10_000)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert first.locator(".answer-body").inner_text().strip()[:40] in copied
        assert "Safety notes" in copied

        first.locator("[data-action=down]").click()
        first.locator(".comment-box input").fill("needs the dose table")
        first.locator("[data-action=comment]").click()
        page.locator("#notice .thanks").filter(has_text="feedback").wait_for(timeout=10_000)
        second.locator("[data-action=up]").click()
        _wait_until(lambda: len(_feedback(indexed_settings, second_id)) == 1)
        _shot(page, "feedback.png")
        assert _feedback(indexed_settings, first_id) == [("down", "needs the dose table")]
        assert _feedback(indexed_settings, second_id) == [("up", "")]
        with sqlite3.connect(indexed_settings.data_dir / "feedback.db") as conn:
            actions = conn.execute("SELECT message_id, action FROM actions").fetchall()
        assert (first_id, "copy") in actions

        # regenerate: the latest question is answered again in place, under a new message id
        second.locator("[data-action=regenerate]").click()
        page.wait_for_function(
            "old => { const a = document.querySelectorAll('#transcript .actions');"
            " return a.length === 2 && a[1].dataset.message !== old; }",
            arg=second_id, timeout=ANSWER_TIMEOUT_MS)
        assert page.locator("#transcript .msg.user").all_inner_texts()[-1] == FOLLOW_UP
        assert page.locator("#transcript .msg.bot").count() == 2
    finally:
        context.close()


def _feedback(settings: Settings, message_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(settings.data_dir / "feedback.db") as conn:
        return conn.execute("SELECT rating, comment FROM feedback WHERE message_id = ? "
                            "ORDER BY id", (message_id,)).fetchall()


def test_chat_restores_the_transcript_after_reload_and_lists_conversations(
    page: Any, base_url: str, indexed_settings: Settings
) -> None:
    _open_chat(page, base_url)
    seed = _seed_question(indexed_settings)
    _ask(page, seed)
    _ask(page, FOLLOW_UP)
    before = page.locator("#transcript .msg.bot .answer-body").all_inner_texts()
    page.reload()
    page.wait_for_selector("#message textarea", timeout=60_000)
    page.locator("#transcript .msg.bot").nth(1).wait_for(timeout=20_000)
    assert page.locator("#transcript .msg.bot .answer-body").all_inner_texts() == before
    assert page.locator("#transcript .msg.user").all_inner_texts() == [seed, FOLLOW_UP]
    _shot(page, "chat-restored.png")

    page.click("#new-conversation")
    page.locator("#transcript .welcome").wait_for(timeout=10_000)
    page.locator("#conversations button").first.click()  # open the accordion
    page.locator("#conversation-list input").click()
    option = page.get_by_role("option").filter(has_text=seed[:30])
    try:
        option.first.click(timeout=10_000)
    except Exception:
        _shot(page, "debug-conversations.png")
        raise
    page.locator("#transcript .msg.bot").nth(1).wait_for(timeout=20_000)
    assert page.locator("#transcript .msg.user").all_inner_texts() == [seed, FOLLOW_UP]
    page.click("#delete-conversation")
    page.locator("#transcript .welcome").wait_for(timeout=10_000)
    page.reload()
    page.wait_for_selector("#message textarea", timeout=60_000)
    page.wait_for_timeout(1000)
    assert page.locator("#transcript .msg").count() == 0


# --- layout, colour schemes and viewports --------------------------------------------------

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LAYOUTS = [(v, s) for v in VIEWPORTS for s in ("light", "dark")]
MIN_CONTRAST = 4.5

# WCAG 2 contrast of an element's text against what is painted behind it: the colours are the
# computed (rendered) ones, translucent backgrounds composited over their ancestors.
CONTRAST_JS = """
(el) => {
  function parse(c) {
    let m = c.match(/^rgba?\\(([^)]+)\\)/);
    if (m) {
      const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = c.match(/^color\\(srgb ([^)]+)\\)/);
    if (m) {
      const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    throw new Error('unparsed colour ' + c);
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function lum(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const layers = [];
  for (let n = el; n; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let bg = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}
"""


def _contrast(locator: Any) -> float:
    return float(locator.evaluate(CONTRAST_JS))


def _in_view(page: Any, locator: Any, bottom_limit: float | None = None) -> bool:
    box = locator.bounding_box()
    limit = bottom_limit if bottom_limit is not None else page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 20) <= limit


@pytest.mark.parametrize(("viewport", "scheme"), LAYOUTS)
def test_chat_is_readable_and_in_view(
    browser: Any, base_url: str, indexed_settings: Settings, viewport: str, scheme: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    try:
        _open_chat(page, base_url)
        _ask(page, _seed_question(indexed_settings))
        bubble = _ask(page, FOLLOW_UP)
        page.wait_for_timeout(300)
        if scheme == "dark":
            assert page.evaluate("document.body.classList.contains('dark')")
        texts = {
            "answer": bubble.locator(".answer-body p, .answer-body li").first,
            "safety": bubble.locator(".safety li, .safety p").first,
            "source title": bubble.locator(".src-title").first,
            "question": page.locator("#transcript .msg.user .bubble").last,
        }
        ratios = {name: _contrast(loc) for name, loc in texts.items()}
        assert min(ratios.values()) >= MIN_CONTRAST, ratios
        composer_top = page.locator("#composer").bounding_box()["y"]
        first_line = bubble.locator(".answer-body p, .answer-body li, .refusal").first
        assert _in_view(page, first_line, composer_top), "the answer's first line is off screen"
        assert _in_view(page, page.locator("#message textarea")), "the input is off screen"
        width = bubble.locator(".bubble").bounding_box()["width"]
        if viewport == "phone":
            assert width >= 0.85 * VIEWPORTS["phone"]["width"], width
        page.screenshot(path=str(SHOTS / f"chat-{viewport}-{scheme}.png"))
    finally:
        context.close()


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


def test_widget_on_demo_page_answers_with_citations_and_takes_feedback(
    browser: Any, base_url: str, indexed_settings: Settings
) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
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
        assert dialogs == []

        reply.get_by_test_id("ea-copy").click()
        status = reply.get_by_test_id("ea-status")
        page.wait_for_function("el => el.textContent === 'Copied'", arg=status.element_handle())
        assert "[1]" in page.evaluate("navigator.clipboard.readText()")
        reply.get_by_test_id("ea-down").click()
        page.wait_for_function("el => el.textContent.startsWith('Thanks')",
                               arg=status.element_handle(), timeout=10_000)
        origin = base_url.rstrip("/")
        sid = page.evaluate("k => sessionStorage.getItem(k)",
                            f"evidence-assistant-session:{origin}")
        assert _feedback(indexed_settings, f"{sid}:1") == [("down", "")]
        _shot(page, "widget.png")
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "scheme"), LAYOUTS)
def test_widget_is_readable_in_view_and_restored_after_reload(
    browser: Any, base_url: str, indexed_settings: Settings, viewport: str, scheme: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/demo")
        page.get_by_test_id("ea-bubble").click()
        for question in (_seed_question(indexed_settings), FOLLOW_UP):
            before = page.get_by_test_id("ea-answer").count()
            page.get_by_test_id("ea-input").fill(question)
            page.get_by_test_id("ea-send").click()
            page.get_by_test_id("ea-answer").nth(before).wait_for(timeout=ANSWER_TIMEOUT_MS)
        reply = page.get_by_test_id("ea-answer").last
        ratios = {
            "answer": _contrast(reply.locator(".body")),
            "notes": _contrast(reply.get_by_test_id("ea-notes")),
            "question": _contrast(page.get_by_test_id("ea-user").last),
        }
        assert min(ratios.values()) >= MIN_CONTRAST, ratios
        log_box = page.get_by_test_id("ea-log").bounding_box()
        top = reply.bounding_box()["y"]
        assert log_box["y"] <= top <= log_box["y"] + log_box["height"] - 20, (top, log_box)
        assert _in_view(page, page.get_by_test_id("ea-input"))
        page.screenshot(path=str(SHOTS / f"widget-{viewport}-{scheme}.png"))
        texts = page.get_by_test_id("ea-answer").all_inner_texts()

        page.reload()
        page.get_by_test_id("ea-bubble").click()
        page.get_by_test_id("ea-answer").nth(1).wait_for(timeout=20_000)
        assert page.get_by_test_id("ea-answer").all_inner_texts() == texts
        assert page.get_by_test_id("ea-user").count() == 2
        page.screenshot(path=str(SHOTS / f"widget-restored-{viewport}-{scheme}.png"))
    finally:
        context.close()


def test_widget_starts_a_new_session_when_the_stored_one_is_gone(page: Any,
                                                                 base_url: str) -> None:
    page.goto(f"{base_url}/demo")
    origin = base_url.rstrip("/")
    page.evaluate("k => sessionStorage.setItem(k, 'no-such-session')",
                  f"evidence-assistant-session:{origin}")
    page.reload()
    page.get_by_test_id("ea-bubble").click()
    key = f"evidence-assistant-session:{origin}"
    page.wait_for_function("k => sessionStorage.getItem(k) === null", arg=key, timeout=10_000)
    assert page.get_by_test_id("ea-answer").count() == 0


def test_docs_render_offline(browser: Any, base_url: str) -> None:
    """/docs with every request off loopback blocked: Swagger UI still renders the API."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/docs")
        page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/chat" in paths and "/v1/chat/completions" in paths
        assert "/api/feedback" in paths
        assert page.locator(".swagger-ui .errors-wrapper").count() == 0
        page.screenshot(path=str(SHOTS / "docs-offline.png"))
        assert outside == []
    finally:
        context.close()


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
