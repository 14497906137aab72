"""Who may see and do what in change tracking, read from the workflows' grants."""
from __future__ import annotations

from .models import ChangeTask
from .workflows import CHANGE_EVENT, CHANGE_TASK, CONTACT, MAINTENANCE


def _government(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys)


def oversees(user) -> bool:
    """The authority's view of every department (主管部门审核员, 平台管理员): those who may reopen any task."""
    return _government(user) and CHANGE_TASK.granted(CHANGE_TASK.transition("reopen"), user, {"own": None})


def has_desk(user) -> bool:
    """A department's own deadlines: its users who may close its tasks or attest its maintenance."""
    return _government(user) and CHANGE_TASK.granted(CHANGE_TASK.transition("close"), user,
                                                     {"own": user.department_id})


def can_use(user) -> bool:
    """The 期限 menu."""
    return oversees(user) or has_desk(user)


def can_record_event(user) -> bool:
    return _government(user) and CHANGE_EVENT.may_create("record", user, {"own": user.department_id})


def can_record_for_others(user) -> bool:
    return _government(user) and CHANGE_EVENT.may_create("record", user, {"own": None})


def can_see_task(user, task: ChangeTask) -> bool:
    return oversees(user) or (_government(user) and user.department_id == task.department_id)


def can_attest(user, department_id: int) -> bool:
    return _government(user) and MAINTENANCE.may_create("attest", user, {"own": department_id})


def can_register_contacts(user, department_id: int) -> bool:
    return _government(user) and CONTACT.may_create("register", user, {"own": department_id})


def task_actions(user, task: ChangeTask) -> dict[str, bool]:
    return {key: CHANGE_TASK.may(key, task, user) for key in ("link", "close", "reopen")}
