"""The catalog (信息资源目录), the core domain: entries, their versions and workflows, the classification tree
and its topic vocabulary, resource codes, and the policy on who may do and see what. This is what other modules may use."""
from . import policy, queries
from .classification import load_classification, path_of
from .diff import Diff, diff_values
from .forms import state_from_values
from .freshness import flag_overdue, last_updated_at, last_updated_on, modified_at, newly_overdue, overdue_counts, overdue_query, record_update
from .freshness import status_of as freshness_status
from .models import (EDITABLE_STATES, REVIEW_STATES, WORKING_STATES, Category, CodeSequence, Entry, EntryStatus,
                     EntryUpdate, EntryVersion, VersionState)
from .services import (BaseRef, DraftEdit, EditConflict, RegistryLookups, approve, check_create, check_update,
                       create_entries, create_entry, entries_by_id, full_values, get_entry_by_code, get_entry_or_404,
                       is_unchanged, publish_directly, retire, return_, save_drafts, submit, update_draft,
                       visible_codes, withdraw)
from .topics import load_topics
from .views import bp
from .workflows import APPROVE, CONFIRM_TYPES, ENTRY, RETURN, VERSION, needs_confirmation

__all__ = [
    "APPROVE", "CONFIRM_TYPES", "EDITABLE_STATES", "ENTRY", "RETURN", "REVIEW_STATES", "VERSION", "WORKING_STATES",
    "BaseRef", "Category", "CodeSequence", "Diff", "DraftEdit", "EditConflict", "Entry", "EntryStatus",
    "EntryUpdate", "EntryVersion", "RegistryLookups", "VersionState", "approve", "bp", "check_create", "check_update",
    "create_entries", "create_entry", "diff_values", "entries_by_id", "flag_overdue", "freshness_status", "full_values", "get_entry_by_code",
    "get_entry_or_404", "is_unchanged", "last_updated_at", "last_updated_on", "modified_at", "load_classification", "load_topics", "needs_confirmation", "newly_overdue", "overdue_counts", "overdue_query", "path_of", "policy",
    "publish_directly", "queries", "record_update", "retire", "return_", "save_drafts", "state_from_values", "submit",
    "update_draft", "visible_codes", "withdraw",
]
