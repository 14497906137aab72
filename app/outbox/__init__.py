"""The transactional outbox (发件箱): after-commit work, written with the change and drained with retries."""
from .models import OutboxMessage
from .services import (Retry, backlog, discard, drain, emit, emit_many, last_id, pending,
                       register, run_forever)

__all__ = ["OutboxMessage", "Retry", "backlog", "discard", "drain", "emit", "emit_many",
           "last_id", "pending", "register", "run_forever"]
