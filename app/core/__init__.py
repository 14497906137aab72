"""Plumbing shared by every domain module: errors, transactions, time."""
from .errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from .db import JSONType, transaction, utcnow, write_intent

__all__ = ["Conflict", "DomainError", "InvalidInput", "JSONType", "NotFound", "PermissionDenied",
           "transaction", "utcnow", "write_intent"]
