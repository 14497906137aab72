"""Signing in and out, and where the browser goes after signing in."""
import pytest
from sqlalchemy import select

from app.accounts import User, UserSession
from app.core.db import transaction
from app.extensions import db
from tests.accounts.helpers import PASSWORD, csrf, signed_in_as, try_sign_in
from tests.portal.test_portal import login


def test_login_with_the_right_password_shows_the_user(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    html = client.get("/").get_data(as_text=True)
    assert user.display_name in html and "市公安局" in html and "目录编目员" in html


def test_wrong_password_is_refused_in_chinese(client, make_user):
    user = make_user("editor", "市公安局")
    response = try_sign_in(client, user.username, "wrong")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_unknown_user_wrong_password_and_deactivated_user_get_the_same_answer(client, make_user):
    """Nothing in the answer tells whether the user name exists or is deactivated."""
    user, retired = make_user("editor", "市公安局"), make_user("seeker", "市民政局")
    with transaction():
        db.session.get(User, retired.id).active = False
    answers = [try_sign_in(client, name, password)
               for name, password in ((user.username, "wrong-password-1"), ("nobody-here", "wrong-password-1"),
                                      (retired.username, PASSWORD))]
    assert {a.status_code for a in answers} == {401}
    errors = {a.get_data(as_text=True).split('role="alert">')[1].split("<")[0] for a in answers}
    assert errors == {"用户名或密码错误"}
    assert signed_in_as(client) == ""


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("editor", "市公安局")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert user.display_name not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/", "/%09/evil.example", "/%0A/x", "/%0D%0ASet-Cookie:%20a=b", "/\\evil.example",
    "/%5Cevil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "/%2F%2Fevil.example",
    "/%252F/evil.example", "%20//evil.example", "/\u3000/evil.example", "evil.example", "/%00/x",
])
def test_sign_in_never_redirects_off_site_nor_fails(client, make_user, target):
    """`next` is followed only when it is a path of this site; anything else (tabs and newlines that browsers drop,
    protocol-relative and backslash tricks, schemes, hosts) goes to the home page, and never a 500."""
    user = make_user("editor", "市公安局")
    response = try_sign_in(client, user.username, PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target, location", [
    ("/manage/", "/manage/"),
    ("/search%3Fq%3D%E6%88%B7%E7%B1%8D%26sharing_type%3Dconditional",
     "/search?q=%E6%88%B7%E7%B1%8D&sharing_type=conditional"),
    ("/entries/12", "/entries/12"),
])
def test_sign_in_follows_a_path_of_this_site(client, make_user, target, location):
    user = make_user("editor", "市公安局")
    response = try_sign_in(client, user.username, PASSWORD, next=target)
    assert response.status_code == 302 and response.headers["Location"] == location


def test_logout(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    assert client.post("/logout", data={"csrf_token": csrf(client, "/")}).status_code == 302
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site_and_there_is_no_remember_cookie(client, make_user):
    user = make_user("editor", "市公安局")
    response = try_sign_in(client, user.username, PASSWORD)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_signing_in_again_starts_a_new_session(client, make_user):
    """The session is renewed at each sign-in: a new record and a new cookie; signing out ended the old one."""
    user = make_user("editor", "市公安局")
    login(client, user)
    first = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, user)
    assert client.get_cookie("session").value != first
    rows = db.session.execute(select(UserSession.ended_reason).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id)).scalars().all()
    assert rows == ["logout", None]
