"""The audit log (审计日志): one entry per write."""
from .services import record

__all__ = ["record"]
