"""The LangChain face of ``hybrid.HybridRetriever`` (imported only when asked for: LangChain
costs about a second to import, which answering a question does not need)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.core.models import Hit


class LangChainRetriever(BaseRetriever):
    """A LangChain ``BaseRetriever`` whose documents are ``retriever.search(query)``'s hits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_document(hit) for hit in self.retriever.search(query)]


def hit_document(hit: Hit) -> Document:
    """A LangChain Document for a hit: chunk text plus ids, span and scores as metadata."""
    c = hit.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            "chunk_id": c.id,
            "source": c.source,
            "title": c.title,
            "section": " > ".join(c.section),
            "start": c.start,
            "end": c.end,
            "score": hit.score,
            "dense": hit.dense,
            "bm25": hit.bm25,
            "dense_rank": hit.dense_rank,
            "bm25_rank": hit.bm25_rank,
        },
    )
