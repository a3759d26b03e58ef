"""A small error hierarchy. Every error carries a message fit to show a user (no stack traces)."""


class AssistantError(Exception):
    """Base class. ``str(err)`` is a clear, user-facing message."""

    http_status = 500


class InputError(AssistantError):
    """Bad user input: empty, too long, binary, wrong type."""

    http_status = 400


class CorpusError(AssistantError):
    """The corpus directory or a document in it cannot be used."""

    http_status = 500


class IndexMissing(AssistantError):
    """No index has been built yet (run ``assistant index``)."""

    http_status = 503


class IndexMismatch(AssistantError):
    """The index was built with settings that shape vectors differently (model, chunker)."""

    http_status = 503


class PolicyError(AssistantError):
    """A prompt template or policy data file is invalid (e.g. a caveat quote not in the corpus)."""

    http_status = 500


class BackendUnavailable(AssistantError):
    """An LLM backend or a Chroma server cannot be reached or answered badly."""

    http_status = 502


class SessionNotFound(AssistantError):
    """An unknown conversation id."""

    http_status = 404
