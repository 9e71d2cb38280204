"""A LangChain retriever over the hybrid search, so a docqa index plugs into LangChain apps."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.search import Hit, HybridSearcher


def hit_to_document(hit: Hit) -> LCDocument:
    meta = {k: v for k, v in hit.to_json().items() if k != "text"}
    return LCDocument(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.id)


class DocqaRetriever(BaseRetriever):
    """`DocqaRetriever(searcher=HybridSearcher(load_snapshot(dir)), k=5).invoke("...")`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        searcher: HybridSearcher = self.searcher
        return [hit_to_document(h) for h in searcher.search(query, self.k)]

    def batch_hits(self, queries: list[str]) -> list[list[Hit]]:
        """The hits themselves (offsets, ranks, scores), for docqa's own pipeline."""
        searcher: HybridSearcher = self.searcher
        return searcher.search_batch(queries, self.k)

    def batch_documents(self, queries: list[str]) -> list[list[LCDocument]]:
        """Batch-first path: one embedding call for all queries."""
        searcher: HybridSearcher = self.searcher
        return [
            [hit_to_document(h) for h in hits] for hits in searcher.search_batch(queries, self.k)
        ]
