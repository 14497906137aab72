"""E-mail addresses (电子邮箱): a user sets their own, an admin anyone's; checked, audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import accounts
from app.audit import AuditEntry
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from tests.accounts.helpers import post_form
from tests.portal.test_portal import login


def email_of(user) -> str | None:
    db.session.rollback()
    return db.session.get(accounts.User, user.id).email


def audit_actions(user) -> list[tuple[str, int | None]]:
    db.session.rollback()
    return [(e.action, e.actor_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "user", AuditEntry.object_id == user.id,
                                 AuditEntry.action.in_(("user.email_change", "user.set_email"))))]


def test_a_user_sets_and_clears_their_own_address_on_the_account_page(client, make_user):
    user = make_user()
    login(client, user)
    assert "电子邮箱" in client.get("/account/sessions").get_data(as_text=True)
    response = post_form(client, "/account/sessions", "/account/email", email="  zhang.san@gaj.example.gov.cn ")
    assert response.status_code == 302
    assert email_of(user) == "zhang.san@gaj.example.gov.cn"
    assert 'value="zhang.san@gaj.example.gov.cn"' in client.get("/account/sessions").get_data(as_text=True)
    post_form(client, "/account/sessions", "/account/email", email="")
    assert email_of(user) is None
    assert audit_actions(user) == [("user.email_change", user.id), ("user.email_change", user.id)]


@pytest.mark.parametrize("address", ["zhangsan", "zhangsan@", "@example.gov.cn", "zhang san@example.gov.cn",
                                     "zhangsan@example", "zhang..san@example.gov.cn", "张三@example.gov.cn",
                                     "a@b@example.gov.cn", "x" * 250 + "@example.gov.cn"])
def test_a_malformed_address_is_refused_with_a_message_naming_the_field(client, make_user, address):
    user = make_user()
    login(client, user)
    response = post_form(client, "/account/sessions", "/account/email", email=address)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "「电子邮箱」" in html and 'aria-invalid="true"' in html
    assert email_of(user) is None and audit_actions(user) == []


def test_the_service_names_the_field_in_its_error(make_user):
    user = make_user()
    with pytest.raises(InvalidInput) as refused:
        accounts.set_email(user, "not-an-address", actor=user)
    assert refused.value.by_field() == {"email": ["「电子邮箱」格式不正确，应形如 zhangsan@example.gov.cn"]}


def test_an_admin_sets_a_users_address_on_the_users_page(client, admin, make_user):
    user = make_user()
    login(client, admin)
    response = post_form(client, "/admin/users/", f"/admin/users/{user.id}/email", email="li.si@example.gov.cn")
    assert response.status_code == 302
    assert email_of(user) == "li.si@example.gov.cn"
    assert audit_actions(user) == [("user.set_email", admin.id)]
    html = client.get("/admin/users/").get_data(as_text=True)
    assert f'id="email-{user.id}"' in html and 'value="li.si@example.gov.cn"' in html
    refused = post_form(client, "/admin/users/", f"/admin/users/{user.id}/email", email="li.si@")
    assert refused.status_code == 422 and "「电子邮箱」格式不正确" in refused.get_data(as_text=True)
    assert email_of(user) == "li.si@example.gov.cn"


def test_only_an_admin_sets_someone_elses_address(client, make_user):
    user, other = make_user(), make_user()
    login(client, user)
    response = post_form(client, "/account/sessions", f"/admin/users/{other.id}/email", email="x@example.gov.cn")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        accounts.set_email(other, "x@example.gov.cn", actor=user)
    assert email_of(other) is None


def test_create_user_takes_an_address_and_checks_it(department):
    with transaction():
        user = accounts.create_user(username="wangwu", display_name="王五", roles="editor", password="correct-horse-1",
                                    department_code=department("市公安局").code, email="wang.wu@example.gov.cn")
    assert email_of(user) == "wang.wu@example.gov.cn"
    with pytest.raises(InvalidInput) as refused, transaction():
        accounts.create_user(username="zhaoliu", display_name="赵六", roles="editor", password="correct-horse-1",
                             department_code=department("市公安局").code, email="zhaoliu at example")
    assert "email" in refused.value.by_field()
