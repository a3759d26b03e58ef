"""Start the web app: Gradio chat at /, help-desk API at /api, OpenAI-compatible API at /v1,
the embeddable widget at /widget.js (demo page at /demo), API docs at /docs.

    python app.py [--host 127.0.0.1] [--port 7860] [--generator extractive|openai|ollama
                  --base-url URL --model NAME]

Every other setting comes from the environment (ASSISTANT_..., see assistant/core/settings.py).
"""

from __future__ import annotations

import argparse
import signal
import sys

from assistant.core.environment import set_offline_defaults


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=7860, help="port (default: %(default)s)")
    parser.add_argument("--generator", choices=["extractive", "openai", "ollama"],
                        help="answer generator (default: extractive, offline)")
    parser.add_argument("--base-url", help="LLM backend base URL (openai-compatible or ollama)")
    parser.add_argument("--model", help="model name at the LLM backend")
    parser.add_argument("--no-ui", action="store_true", help="serve the APIs without the chat UI")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, not {args.port}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_offline_defaults()
    from pydantic import ValidationError

    from assistant.core.errors import AssistantError
    from assistant.core.settings import Settings

    try:
        settings = Settings().with_llm(args.generator, args.base_url, args.model)
    except (ValidationError, AssistantError) as err:
        print(f"error: invalid settings: {err}", file=sys.stderr)
        return 2
    import uvicorn

    from assistant.serving.app import create_app

    try:
        app = create_app(settings, ui=not args.no_ui)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Serving on http://{args.host}:{args.port}  (chat: /, API docs: /docs, "
          f"widget demo: /demo)", file=sys.stderr)
    # uvicorn shuts down gracefully on SIGTERM (in-flight answers finish), then re-raises the
    # signal once its own handler is gone; after a graceful stop that is a clean exit, not a kill.
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info",
                timeout_keep_alive=settings.server.keep_alive_s,
                timeout_graceful_shutdown=int(settings.server.busy_wait_s) + 30)
    return 0


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
