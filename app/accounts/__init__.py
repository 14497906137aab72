"""Accounts (用户与角色): users, their set of roles, sign-in, sessions, sign-in protection. What other modules may use."""
from .models import ROLE_LABELS, Role, User, UserRole
from .protection import init_app as init_protection
from .ratelimits import RateLimitCounter
from .redirects import safe_next
from .services import (authenticate, create_user, end_sessions, get_user_or_404, recent_failing_addresses,
                       require_password_change, set_active, set_email, unlock, users_overview)
from .sessions import UserSession
from .throttle import LoginFailure
from .tokens import acting_through, token_user
from .views import bp

__all__ = ["ROLE_LABELS", "LoginFailure", "acting_through", "token_user", "RateLimitCounter", "Role", "User", "UserRole", "UserSession",
           "authenticate", "bp", "create_user", "end_sessions", "get_user_or_404", "init_protection",
           "recent_failing_addresses", "require_password_change", "safe_next", "set_active", "set_email", "unlock",
           "users_overview"]
