"""Imports every model module, so the metadata (and Alembic) sees every table."""
from app.accounts import LoginFailure, RateLimitCounter, User, UserRole, UserSession  # noqa: F401
from app.audit import AuditEntry  # noqa: F401
from app.catalog import Category, CodeSequence, Entry, EntryVersion  # noqa: F401
from app.imports import ImportJob  # noqa: F401
from app.org import Department  # noqa: F401
from app.outbox import OutboxMessage  # noqa: F401
from app.review import Review  # noqa: F401
