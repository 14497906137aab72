"""Imports every model module, so the metadata (and Alembic) sees every table."""
from app.accounts.models import User  # noqa: F401
from app.accounts.throttle import LoginFailure  # noqa: F401
from app.audit.models import AuditEntry  # noqa: F401
from app.catalog.models import Category, CodeSequence, Entry, EntryVersion  # noqa: F401
from app.org.models import Department  # noqa: F401
from app.review.models import Review  # noqa: F401
from app.indexing.models import IndexOutbox  # noqa: F401
from app.imports.models import ImportJob  # noqa: F401
