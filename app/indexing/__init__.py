"""Indexing (检索索引): published entries become search documents, kept in step through the outbox; the search
word lists (同义词, 政务词典) an admin edits."""
from . import vocabulary
from .models import SearchVocabulary
from .services import (TOPIC, backend, did_you_mean, documents_for, health, indexed_ids, pending, published_count,
                       register_documents, reindex, vocabulary_saved)
from .views import bp

__all__ = ["TOPIC", "SearchVocabulary", "backend", "bp", "did_you_mean", "documents_for", "health", "indexed_ids",
           "pending", "published_count", "register_documents", "reindex", "vocabulary", "vocabulary_saved"]
