"""Helpers of the account tests: sign-in tries, forms and their CSRF tokens, who is signed in."""
from __future__ import annotations

import re

PASSWORD = "correct-horse-1"  # what `make_user` gives every user


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def csrf(client, url: str = "/login") -> str:
    """The CSRF token of the form at `url` (a GET, as a browser opens the page first)."""
    return token_of(client.get(url).get_data(as_text=True))


def try_sign_in(client, username: str, password: str, *, next: str | None = None):
    """Post the sign-in form as a browser would (the form first, then the post)."""
    url = "/login" if next is None else f"/login?next={next}"
    return client.post(url, data={"username": username, "password": password, "csrf_token": csrf(client)})


def post_form(client, page: str, action: str, **fields):
    """Post a form of `page` (its CSRF token) to `action`."""
    return client.post(action, data={"csrf_token": csrf(client, page), **fields})


def signed_in_as(client) -> str:
    """The display name in the menu bar ('' when nobody is signed in)."""
    match = re.search(r'id="signed-in-user">([^<]*)<', client.get("/").get_data(as_text=True))
    return match.group(1) if match else ""
