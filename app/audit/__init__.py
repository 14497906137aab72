"""The audit log (审计日志): one entry per write. What other modules may use."""
from .models import AuditEntry
from .services import record, record_many

__all__ = ["AuditEntry", "record", "record_many"]
