"""The password policy, wherever a password is chosen: creating a user (the CLI, the demo) and changing one's own."""
import pytest
from sqlalchemy import select

from app.accounts import User, create_user
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.demo import generator as demo
from app.extensions import db
from tests.accounts.helpers import PASSWORD, post_form, try_sign_in


def refusal(password: str, username: str = "zhangsan") -> list[str]:
    """The password messages create_user gives (nothing is created)."""
    with pytest.raises(InvalidInput) as refused, transaction():
        create_user(username=username, display_name="张三", roles="seeker", department_code="001", password=password)
    assert db.session.scalar(select(User).where(User.username == username)) is None
    return [p.message for p in refused.value.problems if p.path == "password"]


def test_the_passwords_of_the_finding_are_refused(app):
    assert refusal("password") == ["「密码」至少 10 位", "「密码」是常见密码，很容易被猜中，请换一个"]
    assert refusal("12345678") == ["「密码」至少 10 位", "「密码」是常见密码，很容易被猜中，请换一个"]


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "password123", "woaini1314", "1qaz2wsx3edc"])
def test_long_common_passwords_are_refused(app, password):
    assert refusal(password) == ["「密码」是常见密码，很容易被猜中，请换一个"]


def test_a_password_may_not_contain_the_user_name(app):
    assert refusal("Zhangsan-2026-ok") == ["「密码」不能包含用户名"]


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abcdefghijkl", "zzzzzz111111", "asdfasdfasdf", "qweqweqweqwe"])
def test_easily_guessed_patterns_are_refused(app, password):
    assert refusal(password)[0].startswith("「密码」太容易被猜中")


def test_control_characters_are_refused(app):
    assert "「密码」不能包含控制字符（如制表符、换行）" in refusal("long\tenough-phrase")


def test_the_demo_password_passes_the_policy(app):
    """The README's demo accounts sign in with `demo-pass-2026`: it must stay acceptable."""
    with transaction():
        for username, *_ in demo.DEMO_USERS:
            create_user(username=username, display_name=username, roles="seeker", department_code="001",
                        password=demo.DEMO_PASSWORD)
    assert db.session.scalar(select(User).where(User.username == "admin")).check_password("demo-pass-2026")


def test_create_user_on_the_command_line_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["catalog", "create-user", "lisi", "--name", "李四", "--role", "seeker",
                                                "--department", "001", "--password", "12345678"])
    assert result.exit_code == 1
    assert "「密码」至少 10 位" in result.output and "「密码」是常见密码" in result.output
    assert db.session.scalar(select(User).where(User.username == "lisi")) is None


def test_changing_ones_password(client, make_user):
    user = make_user("editor", "市公安局")
    assert try_sign_in(client, user.username, PASSWORD).status_code == 302
    page = "/account/password"

    def change(current, new, repeat):
        return post_form(client, page, page, current=current, new=new, repeat=repeat)

    wrong = change("not-my-password", "winter-lantern-9", "winter-lantern-9")
    assert wrong.status_code == 422 and "「当前密码」不正确" in wrong.get_data(as_text=True)
    mismatch = change(PASSWORD, "winter-lantern-9", "winter-lantern-8")
    assert mismatch.status_code == 422 and "「确认新密码」与「新密码」不一致" in mismatch.get_data(as_text=True)
    common = change(PASSWORD, "1234567890", "1234567890")
    assert common.status_code == 422 and "「新密码」是常见密码" in common.get_data(as_text=True)
    same = change(PASSWORD, PASSWORD, PASSWORD)
    assert same.status_code == 422 and "「新密码」不能与当前密码相同" in same.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)  # nothing changed so far

    assert change(PASSWORD, "winter-lantern-9", "winter-lantern-9").status_code == 302
    from app.audit import AuditEntry
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.password_change"))
    assert (entry.object_type, entry.object_id) == ("user", user.id)  # the User, not Flask-Login's proxy
    assert post_form(client, "/", "/logout").status_code == 302
    assert try_sign_in(client, user.username, PASSWORD).status_code == 401
    assert try_sign_in(client, user.username, "winter-lantern-9").status_code == 302


def test_the_password_page_needs_a_signed_in_user(client):
    page = client.get("/account/password")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
