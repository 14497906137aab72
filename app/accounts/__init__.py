"""Accounts (用户与角色): users, their set of roles, sign-in, sessions, sign-in protection, API tokens. What other
modules may use."""
from .models import ROLE_LABELS, Role, User, UserRole
from .protection import init_app as init_protection
from .ratelimits import RateLimitCounter
from .redirects import safe_next
from .services import (authenticate, create_token, create_user, end_sessions, get_user_or_404,
                       recent_failing_addresses, require_password_change, revoke_token, set_active, set_email, unlock,
                       users_overview)
from .sessions import UserSession
from .throttle import LoginFailure
from .tokens import ApiToken, acting_through, token_user
from .views import bp

__all__ = ["ROLE_LABELS", "ApiToken", "LoginFailure", "RateLimitCounter", "Role", "User", "UserRole", "UserSession",
           "acting_through", "authenticate", "bp", "create_token", "create_user", "end_sessions", "get_user_or_404",
           "init_protection", "recent_failing_addresses", "require_password_change", "revoke_token", "safe_next",
           "set_active", "set_email", "token_user", "unlock", "users_overview"]
