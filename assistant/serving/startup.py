"""Start-up and readiness: the pipeline is built and warmed up in a background thread, and
requests that arrive earlier wait for it (up to ``STARTUP_WAIT_S``) instead of failing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from assistant.core.errors import AssistantError
from assistant.core.models import Answer, Turn
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings

log = logging.getLogger(__name__)

STARTUP_WAIT_S = 180.0


class NotReady(AssistantError):
    """The assistant is still starting (or failed to start)."""

    http_status = 503


class Busy(AssistantError):
    """Every answering slot stayed taken for the whole wait."""

    http_status = 503


class LazyAnswerer:
    """An Answerer that is built and warmed up in a background thread.

    Calls made before it is ready wait for it; if building failed, they raise that error
    (e.g. IndexMissing: "run `assistant index`"), which the API turns into a 503.
    Answering runs in worker threads (never on the event loop), at most ``slots`` at a time; a
    call that finds no free slot within ``busy_wait_s`` gets ``Busy`` (503), so health checks and
    cheap routes keep answering under load.
    """

    def __init__(self, factory: Callable[[], Answerer], wait_s: float = STARTUP_WAIT_S,
                 slots: int = 4, busy_wait_s: float = 30.0) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._busy_wait_s = busy_wait_s
        self._factory = factory
        self._wait_s = wait_s
        self._ready = threading.Event()
        self._answerer: Answerer | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._build, name="warm-up", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        started = time.perf_counter()
        try:
            answerer = self._factory()
            warm_up = getattr(answerer, "warm_up", None)
            if callable(warm_up):
                warm_up()
            self._answerer = answerer
            log.info("assistant ready in %.1f s", time.perf_counter() - started)
        except BaseException as err:  # kept and re-raised to callers as a clear 503
            self.error = err
            if not isinstance(err, AssistantError):
                log.exception("assistant failed to start")
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._answerer is not None

    def get(self) -> Answerer:
        self.start()
        if not self._ready.wait(self._wait_s):
            raise NotReady("the assistant is still starting; please try again in a minute")
        if self._answerer is None:
            if isinstance(self.error, AssistantError):
                raise self.error
            raise NotReady("the assistant failed to start; the error is in the server log")
        return self._answerer

    def _acquire(self) -> None:
        if not self._slots.acquire(timeout=self._busy_wait_s):
            raise Busy("the assistant is busy answering other questions; please retry shortly")

    def ask(self, message: str, session_id: str | None = None) -> Answer:
        answerer = self.get()
        self._acquire()
        try:
            return answerer.ask(message, session_id)
        finally:
            self._slots.release()

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        answerer = self.get()
        self._acquire()
        try:
            pieces = answerer.stream(message, session_id)
        except BaseException:
            self._slots.release()
            raise
        return self._released(pieces)

    def _released(self, pieces: Iterator[str | Answer]) -> Iterator[str | Answer]:
        try:
            yield from pieces
        finally:
            self._slots.release()

    def new_session(self) -> str:
        return self.get().new_session()

    def history(self, session_id: str) -> list[Turn]:
        return self.get().history(session_id)


def default_factory(settings: Settings) -> Callable[[], Answerer]:
    def build() -> Answerer:
        from assistant.answering.assembly import build_assistant

        return build_assistant(settings)

    return build
