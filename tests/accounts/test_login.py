"""Signing in and out."""
import re

from tests.portal.test_portal import login


def test_login_with_the_right_password_shows_the_user(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    html = client.get("/").get_data(as_text=True)
    assert user.display_name in html and "市公安局" in html and "目录编目员" in html


def test_wrong_password_is_refused_in_chinese(client, make_user):
    user = make_user("editor", "市公安局")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": user.username, "password": "wrong", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("editor", "市公安局")
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_open_redirect_after_login_is_ignored(client, make_user):
    user = make_user("editor", "市公安局")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login?next=//evil.example/", data={
        "username": user.username, "password": "correct-horse-1", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_logout(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    html = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_repeated_failures_lock_the_account_for_a_while(client, make_user, app):
    user = make_user("editor", "市公安局")
    app.config["LOGIN_MAX_FAILURES"] = 3

    def attempt(password):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return client.post("/login", data={"username": user.username, "password": password, "csrf_token": token})

    assert [attempt("wrong").status_code for _ in range(3)] == [401, 401, 401]
    locked = attempt("correct-horse-1")
    assert locked.status_code == 429 and "登录失败次数过多" in locked.get_data(as_text=True)
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    user = make_user("editor", "市公安局")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1",
                                           "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
