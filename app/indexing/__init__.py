"""Keeping the search index in step with the catalog: a transactional outbox applied after commit."""
