"""Offline and private by default: no hub downloads, no telemetry, no analytics.

Nothing happens at import. Entry points (the ``assistant`` command, ``app.py``) call
``set_offline_defaults()`` once at start-up; values already set in the environment win.
"""

from __future__ import annotations

import os

OFFLINE_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_offline_defaults() -> None:
    """Set each offline/no-telemetry variable unless the environment already sets it."""
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
