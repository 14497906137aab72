"""Every write action × every role × own / other department: allowed exactly where SPEC §2 says."""
import pytest

from app.catalog import services as catalog
from app.core.db import transaction
from app.core.errors import PermissionDenied
from app.review import services as review
from tests.conftest import valid_values

ROLES = ["editor", "department_reviewer", "authority_reviewer", "seeker", "admin"]
OWN, OTHER = "市公安局", "市民政局"

# action → roles allowed on their own department's entry, and on another department's entry
ALLOWED = {
    "create": ({"editor", "admin"}, {"admin"}),
    "update_draft": ({"editor", "admin"}, {"admin"}),
    "submit": ({"editor", "admin"}, {"admin"}),
    "withdraw": ({"editor", "admin"}, {"admin"}),
    "department_approve": ({"department_reviewer", "admin"}, {"admin"}),
    "department_return": ({"department_reviewer", "admin"}, {"admin"}),
    "authority_approve": ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    "authority_return": ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    "publish": ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    "retire": ({"editor", "department_reviewer", "authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
}


def _prepared(action, make_user, make_entry):
    """An entry of 市公安局 in the state the action needs, made by people who may."""
    editor = make_user("editor", OWN)
    entry = make_entry(publish=False, user=editor)
    with transaction():
        if action in ("withdraw", "department_approve", "department_return", "authority_approve",
                      "authority_return"):
            pending = review.submit(entry, user=editor)
            if action.startswith("authority"):
                review.approve(pending, user=make_user("department_reviewer", OWN))
    return entry


def _do(action, entry, user):
    pending = review.pending_review(entry)
    if action == "create":
        return catalog.create_entry(valid_values(provider=entry.department_id, name="另一资源"), user=user)
    if action == "update_draft":
        return catalog.update_draft(entry, valid_values(summary="修改后的摘要。"), user=user)
    if action == "submit":
        return review.submit(entry, user=user)
    if action == "withdraw":
        return review.withdraw(entry, user=user)
    if action.endswith("_approve"):
        return review.approve(pending, user=user, confirm=True)
    if action.endswith("_return"):
        return review.return_(pending, user=user, comment="请修改。")
    if action == "publish":
        return catalog.publish(entry, user=user)
    if action == "retire":
        return catalog.retire(entry, user=user, reason="职能调整")
    raise AssertionError(action)


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_matrix(action, role, scope, make_user, make_entry):
    entry = _prepared(action, make_user, make_entry)
    user = make_user(role, OWN if scope == "own" else OTHER)
    allowed = role in ALLOWED[action][0 if scope == "own" else 1]
    if allowed:
        with transaction():
            _do(action, entry, user)
    else:
        with pytest.raises(PermissionDenied), transaction():
            _do(action, entry, user)
