"""Plumbing shared by every domain module: errors, transactions and after-commit work, time, arguments."""
from .db import JSONType, ReadOnlyViolation, commit, on_commit, read_only, transaction, utcnow, write_intent
from .errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

__all__ = ["Conflict", "DomainError", "InvalidInput", "JSONType", "NotFound", "PermissionDenied", "ReadOnlyViolation",
           "commit", "on_commit", "read_only", "transaction", "utcnow", "write_intent"]
