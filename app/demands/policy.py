"""Who may see and do what with demands, read from the workflow's grants."""
from __future__ import annotations

from .models import Demand
from .workflows import DEMAND


def _government(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys)


def can_read(user) -> bool:
    """The demand catalog is for government users (the public never sees departments' needs)."""
    return _government(user)


def can_file(user) -> bool:
    return _government(user) and DEMAND.may_create("file", user, {"requester": user.department_id, "target": None})


def oversees(user) -> bool:
    return _government(user) and DEMAND.granted(DEMAND.transition("assign"), user, {})


def actions(user, demand: Demand) -> dict[str, bool]:
    keys = ("assign", "answer_existing", "answer_register", "link_entry", "answer_cannot", "match", "withdraw")
    return {key: DEMAND.may(key, demand, user) for key in keys}
