"""Indexing (检索索引): published entries become search documents, kept in step through the outbox."""
from .services import (TOPIC, backend, documents_for, health, indexed_ids, pending, published_count, reindex)

__all__ = ["TOPIC", "backend", "documents_for", "health", "indexed_ids", "pending", "published_count", "reindex"]
