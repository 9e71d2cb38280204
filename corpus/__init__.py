"""Ingestion: files to clean, citable `Document`s and `Chunk`s with exact offsets."""

from corpus.chunking import ChunkingConfig, chunk_document, chunk_documents
from corpus.errors import CorpusError
from corpus.readers import ReadResult, read_document, read_documents
from corpus.records import Chunk, Document, Sentence, Span

__all__ = [
    "Chunk",
    "ChunkingConfig",
    "CorpusError",
    "Document",
    "ReadResult",
    "Sentence",
    "Span",
    "chunk_document",
    "chunk_documents",
    "read_document",
    "read_documents",
]
