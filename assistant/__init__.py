"""Evidence-grounded conversational assistant (magnesium glycinate & clonazepam corpus)."""

import os as _os

# Offline and private by default: no hub downloads, no telemetry, no analytics.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_key, _value)

__version__ = "0.1.0"
