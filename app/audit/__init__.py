"""The audit log (审计日志): one entry per write."""
from .services import record, record_many

__all__ = ["record", "record_many"]
