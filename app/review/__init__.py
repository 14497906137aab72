"""Review (审核): the records of each review step, kept in step with the version workflow; the approval queue.
What other modules may use."""
from . import policy
from .models import Review, ReviewStage, ReviewState
from .services import (approve, attention_for, bulk_approve, history_of, is_overdue, pending_count, pending_review,
                       queue_query, return_)
from .views import bp
from .workflows import REVIEW

__all__ = ["REVIEW", "Review", "ReviewStage", "ReviewState", "approve", "attention_for", "bp", "bulk_approve",
           "history_of", "is_overdue", "pending_count", "pending_review", "policy", "queue_query", "return_"]
