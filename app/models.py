"""Imports every model module, so the metadata (and Alembic) sees every table."""
from app.accounts import ApiToken, LoginFailure, RateLimitCounter, User, UserRole, UserSession  # noqa: F401
from app.audit import AuditEntry  # noqa: F401
from app.catalog import Category, CodeSequence, Entry, EntryUpdate, EntryVersion  # noqa: F401
from app.changes import Attestation, ChangeEvent, ChangeTask, ChangeTaskLink  # noqa: F401
from app.demands import Demand  # noqa: F401
from app.harvest import HarvestedEntry, HarvestRun, HarvestSource  # noqa: F401
from app.imports import ImportJob  # noqa: F401
from app.indexing import SearchVocabulary  # noqa: F401
from app.notifications import Notification  # noqa: F401
from app.org import Department, DepartmentContact  # noqa: F401
from app.outbox import OutboxMessage  # noqa: F401
from app.review import Review  # noqa: F401
from app.sharing import AdapterSettings, Grant, ShareRequest, Suspension  # noqa: F401
from app.sharing import ErrorReport  # noqa: F401
from app.workdays import CalendarDay, CalendarYear, DeadlineSetting  # noqa: F401
