"""Who is calling the API: the one rule the Action API and our own endpoints share."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from app import accounts
from app.core.errors import DomainError

from .envelope import AUTHORIZATION, ApiError


def caller():
    """(user, token): the token's user when a token header is sent (a bad token is refused, never ignored); else
    the browser session's user (reads only: writes need the token), else the public (None, None)."""
    try:
        found = accounts.token_user(request.headers)
    except DomainError as error:
        raise ApiError(AUTHORIZATION, error.message, error.message_en) from None
    if found is not None:
        return found
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return user, None
